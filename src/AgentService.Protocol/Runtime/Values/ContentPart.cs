using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Portable message content: <c>text</c>, <c>refusal</c>, <c>artifact</c> or <c>data</c>.</summary>
public sealed class ContentPart
{
    /// <summary>The part kind.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Text of text and refusal parts.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>Citations and similar (text parts).</summary>
    [JsonPropertyName("annotations")]
    public JsonElement? Annotations { get; init; }

    /// <summary>The artifact of an artifact part.</summary>
    [JsonPropertyName("artifact")]
    public ArtifactRef? Artifact { get; init; }

    /// <summary>JSON media type of a data part.</summary>
    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    /// <summary>Value of a data part.</summary>
    [JsonPropertyName("data")]
    public JsonElement? Data { get; init; }
}
