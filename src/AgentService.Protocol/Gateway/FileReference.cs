using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>
/// The artifact a <c>file</c> part refers to. Senders give <c>task_id</c> and <c>artifact_id</c>; the gateway checks that
/// the artifact exists and fills in <c>file_name</c>, <c>size</c> and <c>uri</c> (the download path on the service).
/// </summary>
public sealed class FileReference
{
    /// <summary>The task that holds the artifact.</summary>
    [JsonPropertyName("task_id")]
    public required string TaskId { get; init; }

    /// <summary>The artifact.</summary>
    [JsonPropertyName("artifact_id")]
    public required string ArtifactId { get; init; }

    /// <summary>The artifact's file name (set by the gateway).</summary>
    [JsonPropertyName("file_name")]
    public string? FileName { get; init; }

    /// <summary>The artifact's size in bytes (set by the gateway).</summary>
    [JsonPropertyName("size")]
    public long? Size { get; init; }

    /// <summary>Where the bytes are downloaded, relative to the service root:
    /// <c>/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/artifacts/{artifact_id}</c> (set by the gateway).</summary>
    [JsonPropertyName("uri")]
    public string? Uri { get; init; }
}
