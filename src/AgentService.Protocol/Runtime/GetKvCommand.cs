using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>runtime.connection.kv.get.command</c>.</summary>
public sealed class GetKvCommand
{
    /// <summary>The current connection (from the attach reply).</summary>
    [JsonPropertyName("runtimeConnectionId")]
    public required string RuntimeConnectionId { get; init; }

    /// <summary>A run bound to the connection.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>The keys wanted.</summary>
    [JsonPropertyName("keys")]
    public required IReadOnlyList<string> Keys { get; init; }
}
