using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentService.Server.Json;

/// <summary>
/// Writes small JSON objects by hand (stored payloads, answers built from stored JSON text) with one writer setup:
/// quotes, apostrophes and non-ASCII text are left as they are.
/// </summary>
internal static class JsonText
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The UTF-8 bytes of the JSON value <paramref name="value"/> writes.</summary>
    public static byte[] Bytes(Action<Utf8JsonWriter> value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            value(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The UTF-8 bytes of <c>{ ... }</c> with the members <paramref name="members"/> writes.</summary>
    public static byte[] ObjectBytes(Action<Utf8JsonWriter> members) => Bytes(writer =>
    {
        writer.WriteStartObject();
        members(writer);
        writer.WriteEndObject();
    });

    /// <summary>The text of <c>{ ... }</c> with the members <paramref name="members"/> writes.</summary>
    public static string Object(Action<Utf8JsonWriter> members) => Encoding.UTF8.GetString(ObjectBytes(members));

    /// <summary>Writes the member <paramref name="name"/> with stored JSON text as its value, or <c>null</c> without one.</summary>
    public static void WriteRawOrNull(this Utf8JsonWriter writer, string name, string? json)
    {
        writer.WritePropertyName(name);
        if (json is not null)
        {
            writer.WriteRawValue(json);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <summary>Writes a stored event (its JSON object text) with its log <c>position</c> added.</summary>
    public static void WriteEventWithPosition(Utf8JsonWriter writer, string eventJson, long position)
    {
        using var document = JsonDocument.Parse(eventJson);
        writer.WriteStartObject();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            property.WriteTo(writer);
        }

        writer.WriteNumber("position", position);
        writer.WriteEndObject();
    }
}
