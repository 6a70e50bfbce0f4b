using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.connection.attach.command</c> (schema RuntimeAttachResponse).</summary>
public sealed class RuntimeAttachResponse
{
    /// <summary>Id of this accepted attach; every later command carries it.</summary>
    [JsonPropertyName("runtimeConnectionId")]
    public required string RuntimeConnectionId { get; init; }

    /// <summary>The session of the run.</summary>
    [JsonPropertyName("sessionId")]
    public required string SessionId { get; init; }

    /// <summary>The attached run.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>Heartbeat interval; the lease is three intervals.</summary>
    [JsonPropertyName("heartbeatIntervalMs")]
    public required int HeartbeatIntervalMs { get; init; }

    /// <summary>When the lease lapses without a heartbeat.</summary>
    [JsonPropertyName("leaseExpiresAt")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset LeaseExpiresAt { get; init; }

    /// <summary>The agent config version, fixed for the attempt.</summary>
    [JsonPropertyName("configVersion")]
    public string? ConfigVersion { get; init; }

    /// <summary>Each declared capability once, <c>unsupported</c> when not granted.</summary>
    [JsonPropertyName("effectiveSdkCapabilities")]
    public required IReadOnlyList<SdkCapability> EffectiveSdkCapabilities { get; init; }
}
