using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.connection.recover.command</c>.</summary>
public sealed class RecoverConnectionsResponse
{
    /// <summary>True when every named run was re-bound.</summary>
    [JsonPropertyName("accepted")]
    public required bool Accepted { get; init; }
}
