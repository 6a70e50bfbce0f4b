using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>runtime.connection.kv.set.command</c> (all or nothing, scoped to the session).</summary>
public sealed class SetKvCommand
{
    /// <summary>The current connection (from the attach reply).</summary>
    [JsonPropertyName("runtimeConnectionId")]
    public required string RuntimeConnectionId { get; init; }

    /// <summary>A run bound to the connection.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>Key to value.</summary>
    [JsonPropertyName("kv")]
    public required IReadOnlyDictionary<string, string> Kv { get; init; }
}
