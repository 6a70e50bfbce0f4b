using System.Text.Json;

namespace AgentService.Server.Json;

/// <summary>
/// Checks of client JSON text that <see cref="JsonDocument"/> does not make: the text must be UTF-8 (RFC 8259 §8.1), and
/// no string may hold an escaped unpaired surrogate (<c>"\ud800"</c>), which has no UTF-8 form and makes every later
/// <c>GetString()</c> throw.
/// </summary>
internal static class JsonInput
{
    public static bool IsUtf8(ReadOnlySpan<byte> json) => System.Text.Unicode.Utf8.IsValid(json);

    /// <summary>True when a string or member name of the (syntactically valid) <paramref name="json"/> escapes an
    /// unpaired surrogate. Only texts with a <c>\u</c> escape are read a second time.</summary>
    public static bool HasUnpairedSurrogateEscape(ReadOnlySpan<byte> json, int maxDepth)
    {
        if (json.IndexOf("\\u"u8) < 0)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    _ = reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
