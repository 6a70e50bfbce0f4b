using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>runtime.connection.recover.command</c>, the first request after a reconnect attach.</summary>
public sealed class RecoverConnectionsCommand
{
    /// <summary>The current connection (from the attach reply).</summary>
    [JsonPropertyName("runtimeConnectionId")]
    public required string RuntimeConnectionId { get; init; }

    /// <summary>The attached run.</summary>
    [JsonPropertyName("mainRunId")]
    public required string MainRunId { get; init; }

    /// <summary>Local sub-runs alive in this process.</summary>
    [JsonPropertyName("subRunIds")]
    public IReadOnlyList<string>? SubRunIds { get; init; }

    /// <summary>The epoch of the attach on this connection.</summary>
    [JsonPropertyName("connectionEpoch")]
    public long? ConnectionEpoch { get; init; }
}
