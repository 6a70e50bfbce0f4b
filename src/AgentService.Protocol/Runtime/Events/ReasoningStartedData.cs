using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>reasoning.started</c>.</summary>
public sealed class ReasoningStartedData
{
    /// <summary><c>rsn_</c> id.</summary>
    [JsonPropertyName("reasoningId")]
    public required string ReasoningId { get; init; }

    /// <summary>The message it belongs to.</summary>
    [JsonPropertyName("messageId")]
    public string? MessageId { get; init; }

    /// <summary>summary, full, redacted.</summary>
    [JsonPropertyName("visibility")]
    public required string Visibility { get; init; }
}
