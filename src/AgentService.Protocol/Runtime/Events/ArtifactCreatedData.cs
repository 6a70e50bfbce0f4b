using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>artifact.created</c> (content stored first over HTTP).</summary>
public sealed class ArtifactCreatedData
{
    /// <summary>The artifact (with version, digest and sizeBytes).</summary>
    [JsonPropertyName("artifact")]
    public required Values.ArtifactRef Artifact { get; init; }

    /// <summary>Description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>Producer.</summary>
    [JsonPropertyName("producer")]
    public ArtifactProducer? Producer { get; init; }

    /// <summary>Labels.</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>run, session, permanent.</summary>
    [JsonPropertyName("retention")]
    public string? Retention { get; init; }
}
