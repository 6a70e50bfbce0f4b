using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>The body of <c>POST /gateway/heartbeat</c> and <c>POST /gateway/unregister</c>.</summary>
public sealed class AgentIdRequest
{
    /// <summary>The agent.</summary>
    [JsonPropertyName("agent_id")]
    public required string AgentId { get; init; }
}
