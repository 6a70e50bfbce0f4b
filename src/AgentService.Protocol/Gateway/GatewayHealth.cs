using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>The answer to <c>GET /gateway/health</c>.</summary>
public sealed class GatewayHealth
{
    /// <summary>Always <c>running</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The service's version.</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }

    /// <summary>Whole seconds since the service started.</summary>
    [JsonPropertyName("uptime_seconds")]
    public required long UptimeSeconds { get; init; }

    /// <summary>Agents in the registry, online or not.</summary>
    [JsonPropertyName("registered_agents")]
    public required long RegisteredAgents { get; init; }
}
