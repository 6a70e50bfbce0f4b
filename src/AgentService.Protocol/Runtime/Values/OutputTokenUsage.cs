using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Output token counts.</summary>
public sealed class OutputTokenUsage
{
    /// <summary>All output tokens.</summary>
    [JsonPropertyName("total")]
    public long? Total { get; init; }

    /// <summary>Text tokens.</summary>
    [JsonPropertyName("text")]
    public long? Text { get; init; }

    /// <summary>Reasoning tokens.</summary>
    [JsonPropertyName("reasoning")]
    public long? Reasoning { get; init; }
}
