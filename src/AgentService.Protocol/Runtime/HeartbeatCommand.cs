using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>runtime.connection.heartbeat.command</c>.</summary>
public sealed class HeartbeatCommand
{
    /// <summary>The current connection (from the attach reply).</summary>
    [JsonPropertyName("runtimeConnectionId")]
    public required string RuntimeConnectionId { get; init; }

    /// <summary>A run bound to the connection.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>This process incarnation.</summary>
    [JsonPropertyName("runtimeInstanceId")]
    public string? RuntimeInstanceId { get; init; }

    /// <summary>Free-form runtime metadata (queue sizes, active runs).</summary>
    [JsonPropertyName("metadata")]
    public JsonElement? Metadata { get; init; }
}
