using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.connection.kv.set.command</c>.</summary>
public sealed class SetKvResponse
{
    /// <summary>True once stored.</summary>
    [JsonPropertyName("accepted")]
    public required bool Accepted { get; init; }
}
