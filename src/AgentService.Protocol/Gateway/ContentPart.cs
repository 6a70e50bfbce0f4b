using System.Text.Json;
using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Gateway;

/// <summary>
/// One part of a message's <c>content</c>: <c>{"type":"text","text":...}</c>, <c>{"type":"data","data":any JSON}</c> or
/// <c>{"type":"file","file":{"task_id":...,"artifact_id":...}}</c>, each with optional <c>metadata</c> (an object).
/// </summary>
public sealed class ContentPart
{
    /// <summary><c>text</c>, <c>data</c> or <c>file</c> (<see cref="ContentPartTypes"/>).</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>The text of a <c>text</c> part.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>The JSON value of a <c>data</c> part, kept as sent.</summary>
    [JsonPropertyName("data")]
    public RawJson? Data { get; init; }

    /// <summary>The artifact a <c>file</c> part refers to.</summary>
    [JsonPropertyName("file")]
    public FileReference? File { get; init; }

    /// <summary>Optional metadata of the part (a JSON object).</summary>
    [JsonPropertyName("metadata")]
    public RawJson? Metadata { get; init; }

    /// <summary>A <c>text</c> part.</summary>
    public static ContentPart FromText(string text) => new() { Type = ContentPartTypes.Text, Text = text };

    /// <summary>A <c>data</c> part.</summary>
    public static ContentPart FromData(JsonElement data) => new() { Type = ContentPartTypes.Data, Data = RawJson.From(data) };

    /// <summary>A <c>file</c> part referring to an artifact of a task.</summary>
    public static ContentPart FromArtifact(string taskId, string artifactId) =>
        new() { Type = ContentPartTypes.File, File = new FileReference { TaskId = taskId, ArtifactId = artifactId } };
}
