using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>The answer to <c>POST /gateway/send</c>: <c>{"message_id","conversation_id","status"}</c>, status <c>sent</c>
/// (200) or <c>queued</c> (202).</summary>
public sealed class SendMessageResponse
{
    /// <summary>The stored message's id (also the <c>Idempotency-Key</c> of its pushes).</summary>
    [JsonPropertyName("message_id")]
    public required string MessageId { get; init; }

    /// <summary>The conversation (generated when the request had none).</summary>
    [JsonPropertyName("conversation_id")]
    public required string ConversationId { get; init; }

    /// <summary><c>sent</c> or <c>queued</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }
}
