using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Inputs;

/// <summary>Payload of a <c>wake</c> delivery.</summary>
public sealed class WakePayload
{
    /// <summary>dependency_satisfied, subrun_finished, timer, rate_limit_cleared, manual.</summary>
    [JsonPropertyName("reason")]
    public required string Reason { get; init; }

    /// <summary>Which waiting reasons this satisfies.</summary>
    [JsonPropertyName("resolves")]
    public IReadOnlyList<Values.WaitingReason>? Resolves { get; init; }

    /// <summary>Results of finished sub-runs.</summary>
    [JsonPropertyName("subrunResults")]
    public JsonElement? SubrunResults { get; init; }
}
