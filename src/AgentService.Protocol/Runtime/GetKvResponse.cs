using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.connection.kv.get.command</c>; missing keys are omitted.</summary>
public sealed class GetKvResponse
{
    /// <summary>Key to value.</summary>
    [JsonPropertyName("kv")]
    public required IReadOnlyDictionary<string, string> Kv { get; init; }
}
