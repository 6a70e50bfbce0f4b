using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Pointer to content stored by the service.</summary>
public sealed class ArtifactRef
{
    /// <summary><c>art_</c> id.</summary>
    [JsonPropertyName("artifactId")]
    public required string ArtifactId { get; init; }

    /// <summary>Service-resolvable location.</summary>
    [JsonPropertyName("uri")]
    public required string Uri { get; init; }

    /// <summary>Media type.</summary>
    [JsonPropertyName("mediaType")]
    public required string MediaType { get; init; }

    /// <summary>File name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Version, from 1.</summary>
    [JsonPropertyName("version")]
    public int? Version { get; init; }

    /// <summary>Size in bytes.</summary>
    [JsonPropertyName("sizeBytes")]
    public long? SizeBytes { get; init; }

    /// <summary>Content digest.</summary>
    [JsonPropertyName("digest")]
    public Digest? Digest { get; init; }
}
