using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>runtime.connection.attach.command</c> (schema RuntimeAttachRequest).</summary>
public sealed class RuntimeAttachRequest
{
    /// <summary>The run to attach to.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>The attempt; omitted means the run's current attempt.</summary>
    [JsonPropertyName("attemptId")]
    public string? AttemptId { get; init; }

    /// <summary>This process incarnation (opaque; <c>rti_</c> TypeID recommended).</summary>
    [JsonPropertyName("runtimeInstanceId")]
    public required string RuntimeInstanceId { get; init; }

    /// <summary><c>v1</c>.</summary>
    [JsonPropertyName("protocolVersion")]
    public required string ProtocolVersion { get; init; }

    /// <summary>True for a re-attach of the same instance; the first request is then recover.</summary>
    [JsonPropertyName("reconnect")]
    public bool? Reconnect { get; init; }

    /// <summary>Strictly increasing per attempt; omitted means 0.</summary>
    [JsonPropertyName("connectionEpoch")]
    public long? ConnectionEpoch { get; init; }

    /// <summary>What the runtime declares.</summary>
    [JsonPropertyName("sdkCapabilities")]
    public required IReadOnlyList<SdkCapability> SdkCapabilities { get; init; }
}
