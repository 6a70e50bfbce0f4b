using System.Runtime.InteropServices;
using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>
/// The value being validated: a JSON element, or the name of an object member (which <c>propertyNames</c>
/// validates as a string).
/// </summary>
internal readonly struct JsonInstance
{
    public JsonInstance(JsonElement element)
    {
        Element = element;
    }

    public JsonInstance(JsonProperty property)
    {
        Property = property;
        IsPropertyName = true;
    }

    public JsonElement Element { get; }

    public JsonProperty Property { get; }

    public bool IsPropertyName { get; }

    public JsonValueKind Kind => IsPropertyName ? JsonValueKind.String : Element.ValueKind;

    /// <summary>The UTF-8 bytes of a string instance that has no escapes (then they are its text exactly).</summary>
    public bool TryGetUnescapedUtf8(out ReadOnlySpan<byte> utf8)
    {
        utf8 = IsPropertyName ? JsonMarshal.GetRawUtf8PropertyName(Property) : JsonMarshal.GetRawUtf8Value(Element)[1..^1];
        return utf8.IndexOf((byte)'\\') < 0;
    }

    /// <summary>The characters of a string instance; false for a string that is not Unicode text.</summary>
    public bool TryGetChars(Span<char> buffer, out ReadOnlySpan<char> chars) =>
        IsPropertyName ? JsonStrings.TryGetChars(Property, buffer, out chars) : JsonStrings.TryGetChars(Element, buffer, out chars);
}
