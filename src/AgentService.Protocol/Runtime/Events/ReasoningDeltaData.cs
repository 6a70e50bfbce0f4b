using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>reasoning.delta</c> (ephemeral).</summary>
public sealed class ReasoningDeltaData
{
    /// <summary>The reasoning block.</summary>
    [JsonPropertyName("reasoningId")]
    public required string ReasoningId { get; init; }

    /// <summary>Part index.</summary>
    [JsonPropertyName("partIndex")]
    public int? PartIndex { get; init; }

    /// <summary>Text increment (non-empty).</summary>
    [JsonPropertyName("delta")]
    public required string Delta { get; init; }
}
