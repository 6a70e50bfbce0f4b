using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>subrun.spawned</c>: creates a child run.</summary>
public sealed class SubrunSpawnedData
{
    /// <summary>Minted by the parent runtime.</summary>
    [JsonPropertyName("childRunId")]
    public required string ChildRunId { get; init; }

    /// <summary>delegate, parallel, handoff, tool.</summary>
    [JsonPropertyName("relation")]
    public required string Relation { get; init; }

    /// <summary>The child's agent.</summary>
    [JsonPropertyName("agent")]
    public required Values.AgentRef Agent { get; init; }

    /// <summary>Whether the parent waits for the child.</summary>
    [JsonPropertyName("await")]
    public required bool AwaitChild { get; init; }

    /// <summary>local or service.</summary>
    [JsonPropertyName("hosting")]
    public required string Hosting { get; init; }

    /// <summary>The child's task.</summary>
    [JsonPropertyName("task")]
    public required Values.TaskSpec Task { get; init; }

    /// <summary>Tool call that spawned it.</summary>
    [JsonPropertyName("parentToolCallId")]
    public string? ParentToolCallId { get; init; }

    /// <summary>Runs that must finish first.</summary>
    [JsonPropertyName("dependsOn")]
    public IReadOnlyList<string>? DependsOn { get; init; }
}
