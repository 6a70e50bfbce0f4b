using System.Text.Json.Serialization;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>A page of a task's artifacts (Agent Protocol <c>TaskArtifactsListResponse</c>).</summary>
public sealed class ArtifactListResponse
{
    /// <summary>The artifacts of the page, oldest first.</summary>
    [JsonPropertyName("artifacts")]
    public required IReadOnlyList<Artifact> Artifacts { get; init; }

    /// <summary>Paging information.</summary>
    [JsonPropertyName("pagination")]
    public required Pagination Pagination { get; init; }
}
