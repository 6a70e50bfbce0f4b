using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace AgentService.Protocol.Schema.Text;

/// <summary>Reads JSON strings (values and property names) without allocating when they are short and unescaped.</summary>
internal static class JsonStrings
{
    /// <summary>Size of the stack buffer callers pass to <see cref="TryGetChars(JsonElement, Span{char}, out ReadOnlySpan{char})"/>.</summary>
    public const int StackBufferSize = 256;

    /// <summary>
    /// The characters of a string element: decoded into <paramref name="buffer"/> when they fit and need no unescaping,
    /// else a new string. False when the string holds an unpaired surrogate escape (not Unicode text).
    /// </summary>
    public static bool TryGetChars(JsonElement element, Span<char> buffer, out ReadOnlySpan<char> chars)
    {
        if (TryDecodeUnescaped(JsonMarshal.GetRawUtf8Value(element)[1..^1], buffer, out chars))
        {
            return true;
        }

        try
        {
            chars = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to unescape an unpaired surrogate (\ud800 alone): not Unicode text.
            chars = default;
            return false;
        }
    }

    /// <summary>The characters of a property name, as <see cref="TryGetChars(JsonElement, Span{char}, out ReadOnlySpan{char})"/>.</summary>
    public static bool TryGetChars(JsonProperty property, Span<char> buffer, out ReadOnlySpan<char> chars)
    {
        if (TryDecodeUnescaped(JsonMarshal.GetRawUtf8PropertyName(property), buffer, out chars))
        {
            return true;
        }

        try
        {
            chars = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            chars = default;
            return false;
        }
    }

    /// <summary>A member's name for messages and pointers; one with an unpaired surrogate escape is shown as written.</summary>
    public static string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8PropertyName(property));
        }
    }

    /// <summary>Number of Unicode code points (a surrogate pair counts once).</summary>
    public static int CodePointLength(ReadOnlySpan<char> text)
    {
        var length = text.Length;
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                length--;
                i++;
            }
        }

        return length;
    }

    private static bool TryDecodeUnescaped(ReadOnlySpan<byte> raw, Span<char> buffer, out ReadOnlySpan<char> chars)
    {
        if (raw.IndexOf((byte)'\\') < 0 && raw.Length <= buffer.Length)
        {
            // Unescaped JSON text is valid UTF-8 (the reader checked it) and never needs more chars than bytes.
            var count = Encoding.UTF8.GetChars(raw, buffer);
            chars = buffer[..count];
            return true;
        }

        chars = default;
        return false;
    }
}
