using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime;

/// <summary>A leased claim on a run, answered by <c>POST /v1/agents/{agentId}/claims</c> (worker mode).</summary>
public sealed class RunClaim
{
    /// <summary>The claimed run.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>The attempt to attach as.</summary>
    [JsonPropertyName("attemptId")]
    public required string AttemptId { get; init; }

    /// <summary>The run token for the attach.</summary>
    [JsonPropertyName("runToken")]
    public required string RunToken { get; init; }

    /// <summary>When the claim lapses unless the worker attached.</summary>
    [JsonPropertyName("leaseExpiresAt")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset LeaseExpiresAt { get; init; }
}
