using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Gateway;

/// <summary>The answer to <c>GET /gateway/status/{agent_id}</c>.</summary>
public sealed class AgentStatusResponse
{
    /// <summary>The agent's id.</summary>
    [JsonPropertyName("agent_id")]
    public required string AgentId { get; init; }

    /// <summary><c>online</c> or <c>offline</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The last heartbeat (or registration), RFC 3339 UTC.</summary>
    [JsonPropertyName("last_heartbeat")]
    [JsonConverter(typeof(Rfc3339TimestampConverter))]
    public required DateTimeOffset LastHeartbeat { get; init; }
}
