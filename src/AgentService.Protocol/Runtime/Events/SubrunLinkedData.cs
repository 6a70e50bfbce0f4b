using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>subrun.linked</c>: association with an existing run.</summary>
public sealed class SubrunLinkedData
{
    /// <summary>The child.</summary>
    [JsonPropertyName("childRunId")]
    public required string ChildRunId { get; init; }

    /// <summary>delegate, parallel, handoff, tool.</summary>
    [JsonPropertyName("relation")]
    public required string Relation { get; init; }

    /// <summary>recovered, adopted, referenced.</summary>
    [JsonPropertyName("linkReason")]
    public required string LinkReason { get; init; }

    /// <summary>The child's status.</summary>
    [JsonPropertyName("childStatus")]
    public string? ChildStatus { get; init; }
}
