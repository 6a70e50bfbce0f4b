using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>What produced an artifact.</summary>
public sealed class ArtifactProducer
{
    /// <summary>Tool call.</summary>
    [JsonPropertyName("toolCallId")]
    public string? ToolCallId { get; init; }

    /// <summary>Message.</summary>
    [JsonPropertyName("messageId")]
    public string? MessageId { get; init; }

    /// <summary>Step.</summary>
    [JsonPropertyName("stepId")]
    public string? StepId { get; init; }
}
