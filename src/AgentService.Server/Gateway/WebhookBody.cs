using System.Buffers;
using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Server.Storage;

namespace AgentService.Server.Gateway;

/// <summary>The push body of a message — <c>{message_id, conversation_id, from_agent_id, content, metadata, timestamp}</c> —
/// written from the stored JSON text, so every retry sends the same bytes.</summary>
internal static class WebhookBody
{
    public static byte[] Build(GatewayMessageRecord message)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + message.Content.Length + message.Metadata.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ProtocolJsonContext.DefaultOptions.Encoder, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("message_id"u8, message.MessageId);
            writer.WriteString("conversation_id"u8, message.ConversationId);
            writer.WriteString("from_agent_id"u8, message.FromAgentId);
            writer.WritePropertyName("content"u8);
            writer.WriteRawValue(message.Content, skipInputValidation: true);
            writer.WritePropertyName("metadata"u8);
            writer.WriteRawValue(message.Metadata, skipInputValidation: true);
            writer.WriteString("timestamp"u8, Rfc3339TimestampConverter.ToText(message.CreatedAt));
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
