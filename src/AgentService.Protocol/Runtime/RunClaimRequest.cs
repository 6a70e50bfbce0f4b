using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Body of <c>POST /v1/agents/{agentId}/claims</c> (worker mode).</summary>
public sealed class RunClaimRequest
{
    /// <summary>The claiming worker.</summary>
    [JsonPropertyName("workerId")]
    public required string WorkerId { get; init; }

    /// <summary>How long the claim holds before the run can be handed to another worker.</summary>
    [JsonPropertyName("leaseSeconds")]
    public required int LeaseSeconds { get; init; }
}
