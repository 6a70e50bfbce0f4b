using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>reasoning.completed</c>.</summary>
public sealed class ReasoningCompletedData
{
    /// <summary>The reasoning block.</summary>
    [JsonPropertyName("reasoningId")]
    public required string ReasoningId { get; init; }

    /// <summary>Full text.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>Whether the text was redacted.</summary>
    [JsonPropertyName("redacted")]
    public bool? Redacted { get; init; }

    /// <summary>Opaque continuation data.</summary>
    [JsonPropertyName("providerMetadata")]
    public JsonElement? ProviderMetadata { get; init; }
}
