using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>tool.call.completed</c>.</summary>
public sealed class ToolCallCompletedData
{
    /// <summary>The call.</summary>
    [JsonPropertyName("toolCallId")]
    public required string ToolCallId { get; init; }

    /// <summary>JSON result given to the model.</summary>
    [JsonPropertyName("output")]
    public required JsonElement Output { get; init; }

    /// <summary>The tool returned an error result.</summary>
    [JsonPropertyName("isError")]
    public bool? IsError { get; init; }

    /// <summary>Text result.</summary>
    [JsonPropertyName("outputText")]
    public string? OutputText { get; init; }

    /// <summary>Whether output was truncated.</summary>
    [JsonPropertyName("truncated")]
    public bool? Truncated { get; init; }

    /// <summary>Full content.</summary>
    [JsonPropertyName("artifacts")]
    public IReadOnlyList<Values.ArtifactRef>? Artifacts { get; init; }

    /// <summary>Execution time.</summary>
    [JsonPropertyName("durationMs")]
    public long? DurationMs { get; init; }

    /// <summary>Provider pass-through.</summary>
    [JsonPropertyName("providerMetadata")]
    public JsonElement? ProviderMetadata { get; init; }
}
