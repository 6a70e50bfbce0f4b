using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Lifecycle records still open when a checkpoint was captured.</summary>
public sealed class PendingRecords
{
    /// <summary>Open tool calls.</summary>
    [JsonPropertyName("toolCalls")]
    public IReadOnlyList<string>? ToolCalls { get; init; }

    /// <summary>Open interactions.</summary>
    [JsonPropertyName("interactions")]
    public IReadOnlyList<string>? Interactions { get; init; }

    /// <summary>Open sub-runs.</summary>
    [JsonPropertyName("subruns")]
    public IReadOnlyList<string>? Subruns { get; init; }
}
