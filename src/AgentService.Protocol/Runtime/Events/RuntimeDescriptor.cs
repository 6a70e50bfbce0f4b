using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>The runtime that executes a run (run.started).</summary>
public sealed class RuntimeDescriptor
{
    /// <summary>This process incarnation.</summary>
    [JsonPropertyName("runtimeInstanceId")]
    public string? RuntimeInstanceId { get; init; }

    /// <summary>Runtime name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Runtime version.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary>SDK name.</summary>
    [JsonPropertyName("sdkName")]
    public string? SdkName { get; init; }

    /// <summary>SDK version.</summary>
    [JsonPropertyName("sdkVersion")]
    public string? SdkVersion { get; init; }
}
