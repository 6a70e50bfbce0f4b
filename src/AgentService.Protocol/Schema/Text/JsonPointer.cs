using System.Text;
using System.Text.Json;

namespace AgentService.Protocol.Schema.Text;

/// <summary>JSON Pointer (RFC 6901) helpers.</summary>
internal static class JsonPointer
{
    /// <summary>Escapes one reference token: '~' as "~0", '/' as "~1".</summary>
    public static string Escape(string token) =>
        token.AsSpan().IndexOfAny('~', '/') < 0 ? token : token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>Appends "/" and the escaped token.</summary>
    public static void Append(StringBuilder builder, string token)
    {
        builder.Append('/');
        foreach (var c in token)
        {
            _ = c switch
            {
                '~' => builder.Append("~0"),
                '/' => builder.Append("~1"),
                _ => builder.Append(c),
            };
        }
    }

    /// <summary>Splits a pointer ("" or "/a/b~1c") into unescaped tokens; throws on a pointer not starting with '/'.</summary>
    public static string[] Parse(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new FormatException($"'{pointer}' is not a JSON pointer (it must be empty or start with '/').");
        }

        var tokens = pointer[1..].Split('/');
        for (var i = 0; i < tokens.Length; i++)
        {
            var t = tokens[i];
            if (t.Contains('~', StringComparison.Ordinal))
            {
                for (var k = 0; k < t.Length; k++)
                {
                    if (t[k] == '~' && (k + 1 >= t.Length || (t[k + 1] != '0' && t[k + 1] != '1')))
                    {
                        throw new FormatException($"'{pointer}' has a '~' that is not followed by 0 or 1.");
                    }
                }

                tokens[i] = t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            }
        }

        return tokens;
    }

    /// <summary>Follows the tokens from <paramref name="root"/>; false when a token names nothing.</summary>
    public static bool TryResolve(JsonElement root, IEnumerable<string> tokens, out JsonElement target)
    {
        target = root;
        foreach (var token in tokens)
        {
            switch (target.ValueKind)
            {
                case JsonValueKind.Object when target.TryGetProperty(token, out var child):
                    target = child;
                    break;
                case JsonValueKind.Array when IsArrayIndex(token, out var index) && index < target.GetArrayLength():
                    target = target[index];
                    break;
                default:
                    target = default;
                    return false;
            }
        }

        return true;
    }

    private static bool IsArrayIndex(string token, out int index)
    {
        index = -1;
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0'))
        {
            return false;
        }

        foreach (var c in token)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index);
    }
}
