using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>runtime.connection.secrets.get.command</c>.</summary>
public sealed class GetSecretsCommand
{
    /// <summary>The current connection (from the attach reply).</summary>
    [JsonPropertyName("runtimeConnectionId")]
    public required string RuntimeConnectionId { get; init; }

    /// <summary>A run bound to the connection.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>The secrets wanted; omitted means every granted secret.</summary>
    [JsonPropertyName("names")]
    public IReadOnlyList<string>? Names { get; init; }
}
