using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Gateway;

/// <summary>The body the gateway POSTs to an agent's webhook. Verify the signature on the raw bytes before parsing
/// them (see <c>WebhookSignature</c> in AgentService.Client).</summary>
public sealed class WebhookPush
{
    /// <summary>The message's id; the same on every retry (also sent as <c>Idempotency-Key</c>).</summary>
    [JsonPropertyName("message_id")]
    public required string MessageId { get; init; }

    /// <summary>The conversation.</summary>
    [JsonPropertyName("conversation_id")]
    public required string ConversationId { get; init; }

    /// <summary>The sender.</summary>
    [JsonPropertyName("from_agent_id")]
    public required string FromAgentId { get; init; }

    /// <summary>The parts.</summary>
    [JsonPropertyName("content")]
    public required IReadOnlyList<ContentPart> Content { get; init; }

    /// <summary>The sender's metadata object.</summary>
    [JsonPropertyName("metadata")]
    public required RawJson Metadata { get; init; }

    /// <summary>When the gateway accepted the message, RFC 3339 UTC.</summary>
    [JsonPropertyName("timestamp")]
    [JsonConverter(typeof(Rfc3339TimestampConverter))]
    public required DateTimeOffset Timestamp { get; init; }
}
