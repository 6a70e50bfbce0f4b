using System.Text.Json.Serialization;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>An artifact either created by or submitted to the agent (Agent Protocol <c>Artifact</c>).</summary>
public sealed class Artifact
{
    /// <summary>ID of the artifact.</summary>
    [JsonPropertyName("artifact_id")]
    public required string ArtifactId { get; init; }

    /// <summary>Whether the artifact has been created by the agent.</summary>
    [JsonPropertyName("agent_created")]
    public required bool AgentCreated { get; init; }

    /// <summary>File name of the artifact.</summary>
    [JsonPropertyName("file_name")]
    public required string FileName { get; init; }

    /// <summary>Relative path of the artifact in the agent's workspace; <c>null</c> when none was given.</summary>
    [JsonPropertyName("relative_path")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? RelativePath { get; init; }
}
