using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Unified finish reason plus the provider's raw value.</summary>
public sealed class FinishReason
{
    /// <summary>stop, length, content_filter, tool_calls, error, other.</summary>
    [JsonPropertyName("unified")]
    public required string Unified { get; init; }

    /// <summary>The provider's value verbatim.</summary>
    [JsonPropertyName("raw")]
    public string? Raw { get; init; }
}
