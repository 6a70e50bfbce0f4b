using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>The result of a finished run.</summary>
public sealed class RunResult
{
    /// <summary>Summary.</summary>
    [JsonPropertyName("summary")]
    public string? Summary { get; init; }

    /// <summary>Small structured result.</summary>
    [JsonPropertyName("output")]
    public JsonElement? Output { get; init; }

    /// <summary>Result artifacts.</summary>
    [JsonPropertyName("artifacts")]
    public IReadOnlyList<Values.ArtifactRef>? Artifacts { get; init; }
}
