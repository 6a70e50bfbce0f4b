using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>The answer to <c>GET /gateway/agents</c>.</summary>
public sealed class AgentListResponse
{
    /// <summary>The agents, by id.</summary>
    [JsonPropertyName("agents")]
    public required IReadOnlyList<AgentSummary> Agents { get; init; }

    /// <summary>How many agents are listed.</summary>
    [JsonPropertyName("total")]
    public required int Total { get; init; }
}
