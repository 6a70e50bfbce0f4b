using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Json;

/// <summary>
/// A JSON value kept as its text: it is stored and sent on exactly as received, without a round trip
/// through a document model. Used for the open objects of the Agent Protocol (<c>additional_input</c>, ...).
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson
{
    /// <summary>Wraps JSON text that the caller has already validated.</summary>
    public RawJson(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        Text = text;
    }

    /// <summary>The JSON text of the value.</summary>
    public string Text { get; }

    /// <summary>Parses the value (for callers that need to inspect it).</summary>
    public JsonElement ToElement()
    {
        using var document = JsonDocument.Parse(Text);
        return document.RootElement.Clone();
    }

    /// <summary>Captures the text of a parsed element.</summary>
    public static RawJson From(JsonElement element) => new(element.GetRawText());

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>Reads any JSON value as its raw text and writes the text back verbatim.</summary>
public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    /// <inheritdoc />
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return RawJson.From(document.RootElement);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(value.Text, skipInputValidation: true);
    }
}
