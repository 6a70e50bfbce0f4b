using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Gateway;

/// <summary>A stored message with its delivery state: <c>GET /gateway/messages/{message_id}</c>.</summary>
public sealed class GatewayMessage
{
    /// <summary>The message's id.</summary>
    [JsonPropertyName("message_id")]
    public required string MessageId { get; init; }

    /// <summary>The conversation it belongs to.</summary>
    [JsonPropertyName("conversation_id")]
    public required string ConversationId { get; init; }

    /// <summary>The sender.</summary>
    [JsonPropertyName("from_agent_id")]
    public required string FromAgentId { get; init; }

    /// <summary>The receiver.</summary>
    [JsonPropertyName("to_agent_id")]
    public required string ToAgentId { get; init; }

    /// <summary>The parts, as pushed.</summary>
    [JsonPropertyName("content")]
    public required IReadOnlyList<ContentPart> Content { get; init; }

    /// <summary>The sender's metadata object.</summary>
    [JsonPropertyName("metadata")]
    public required RawJson Metadata { get; init; }

    /// <summary><c>direct</c> or <c>queued</c>.</summary>
    [JsonPropertyName("delivery")]
    public required string Delivery { get; init; }

    /// <summary><c>queued</c>, <c>sent</c> or <c>failed</c> (<see cref="MessageStatus"/>).</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>Pushes tried so far.</summary>
    [JsonPropertyName("attempts")]
    public required int Attempts { get; init; }

    /// <summary>Why the last failed push failed; <c>null</c> when none failed.</summary>
    [JsonPropertyName("last_error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? LastError { get; init; }

    /// <summary>When the gateway accepted the message (also the push body's <c>timestamp</c>).</summary>
    [JsonPropertyName("created_at")]
    [JsonConverter(typeof(Rfc3339TimestampConverter))]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the webhook acknowledged it; <c>null</c> until then.</summary>
    [JsonPropertyName("delivered_at")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    [JsonConverter(typeof(Rfc3339TimestampConverter))]
    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>When the next push is due, for a queued message waiting for a retry or for its agent; else <c>null</c>.</summary>
    [JsonPropertyName("next_attempt_at")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    [JsonConverter(typeof(Rfc3339TimestampConverter))]
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>When an undelivered message stops being retried and fails.</summary>
    [JsonPropertyName("expires_at")]
    [JsonConverter(typeof(Rfc3339TimestampConverter))]
    public required DateTimeOffset ExpiresAt { get; init; }
}
