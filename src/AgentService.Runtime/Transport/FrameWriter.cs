using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentService.Runtime.Transport;

/// <summary>Writes the JSON-RPC 2.0 frames of the binding (wire/frame.json): one object per text frame.</summary>
internal static class FrameWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public static ArrayBufferWriter<byte> Request(long id, string method, string? traceParent, Action<Utf8JsonWriter> writeParams)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteNumber("id", id);
            writer.WriteString("method", method);
            if (traceParent is not null)
            {
                writer.WriteString("traceparent", traceParent);
            }

            writer.WritePropertyName("params");
            writeParams(writer);
            writer.WriteEndObject();
        }

        return buffer;
    }

    public static ArrayBufferWriter<byte> Result(JsonElement id, Action<Utf8JsonWriter> writeResult)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            id.WriteTo(writer);
            writer.WritePropertyName("result");
            writeResult(writer);
            writer.WriteEndObject();
        }

        return buffer;
    }

    public static ArrayBufferWriter<byte> Error(JsonElement? id, int code, string reason, string message, bool retryable, JsonElement? details)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            if (id is { } value)
            {
                value.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteStartObject("error");
            writer.WriteNumber("code", code);
            writer.WriteString("message", message);
            writer.WriteStartObject("data");
            writer.WriteString("reason", reason);
            writer.WriteBoolean("retryable", retryable);
            if (details is { } d)
            {
                writer.WritePropertyName("details");
                d.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer;
    }
}
