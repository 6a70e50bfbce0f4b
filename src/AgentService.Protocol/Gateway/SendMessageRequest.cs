using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Gateway;

/// <summary>The body of <c>POST /gateway/send</c>.</summary>
public sealed class SendMessageRequest
{
    /// <summary>The sending agent.</summary>
    [JsonPropertyName("from_agent_id")]
    public required string FromAgentId { get; init; }

    /// <summary>The receiving agent.</summary>
    [JsonPropertyName("to_agent_id")]
    public required string ToAgentId { get; init; }

    /// <summary>The conversation; empty or absent starts a new one (its id is generated).</summary>
    [JsonPropertyName("conversation_id")]
    public string? ConversationId { get; init; }

    /// <summary>The message: at least one part.</summary>
    [JsonPropertyName("content")]
    public required IReadOnlyList<ContentPart> Content { get; init; }

    /// <summary>Any JSON object, pushed as sent.</summary>
    [JsonPropertyName("metadata")]
    public RawJson? Metadata { get; init; }

    /// <summary><c>direct</c> (default) or <c>queued</c> (<see cref="DeliveryModes"/>).</summary>
    [JsonPropertyName("delivery")]
    public string? Delivery { get; init; }
}
