using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>Helpers for keywords that hold JSON values from the schema.</summary>
internal static class ValueText
{
    private const int MaxLength = 60;

    /// <summary>The schema value as short JSON text for messages (schema values only: never instance data).</summary>
    public static string Describe(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= MaxLength ? text : text[..MaxLength] + "...";
    }

    /// <summary>JSON equality between an instance (possibly a property name) and a schema value.</summary>
    public static bool Matches(in JsonInstance instance, JsonElement value)
    {
        if (!instance.IsPropertyName)
        {
            return JsonEquality.DeepEquals(instance.Element, value);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
        return instance.TryGetChars(buffer, out var chars) && chars.SequenceEqual(value.GetString());
    }
}
