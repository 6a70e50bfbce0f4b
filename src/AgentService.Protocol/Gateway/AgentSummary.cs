using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Gateway;

/// <summary>An agent in <c>GET /gateway/agents</c>.</summary>
public sealed class AgentSummary
{
    /// <summary>The agent's id.</summary>
    [JsonPropertyName("agent_id")]
    public required string AgentId { get; init; }

    /// <summary>Display name.</summary>
    [JsonPropertyName("agent_name")]
    public required string AgentName { get; init; }

    /// <summary>The kind of agent.</summary>
    [JsonPropertyName("agent_type")]
    public required string AgentType { get; init; }

    /// <summary>What the agent can do.</summary>
    [JsonPropertyName("capabilities")]
    public required IReadOnlyList<string> Capabilities { get; init; }

    /// <summary><c>online</c> or <c>offline</c> (<see cref="AgentPresence"/>).</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The last heartbeat (or registration), RFC 3339 UTC.</summary>
    [JsonPropertyName("last_heartbeat")]
    [JsonConverter(typeof(Rfc3339TimestampConverter))]
    public required DateTimeOffset LastHeartbeat { get; init; }
}
