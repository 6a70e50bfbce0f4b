using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.connection.heartbeat.command</c>.</summary>
public sealed class HeartbeatResponse
{
    /// <summary>False when the lease lapsed: stop side effects and re-attach.</summary>
    [JsonPropertyName("accepted")]
    public required bool Accepted { get; init; }

    /// <summary>When the service wants the next heartbeat.</summary>
    [JsonPropertyName("nextHeartbeatDueAt")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset NextHeartbeatDueAt { get; init; }
}
