using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>What a run is asked to do.</summary>
public sealed class TaskSpec
{
    /// <summary>Title.</summary>
    [JsonPropertyName("title")]
    public string? Title { get; init; }

    /// <summary>Instructions (the Agent Protocol task input).</summary>
    [JsonPropertyName("instructions")]
    public string? Instructions { get; init; }

    /// <summary>Structured input (the Agent Protocol additional_input).</summary>
    [JsonPropertyName("input")]
    public JsonElement? Input { get; init; }

    /// <summary>Input messages.</summary>
    [JsonPropertyName("messages")]
    public JsonElement? Messages { get; init; }

    /// <summary>Attached artifacts.</summary>
    [JsonPropertyName("attachments")]
    public IReadOnlyList<ArtifactRef>? Attachments { get; init; }
}
