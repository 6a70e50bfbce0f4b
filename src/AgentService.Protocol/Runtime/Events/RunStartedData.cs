using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>run.started</c>: first event of each execution.</summary>
public sealed class RunStartedData
{
    /// <summary>1-based attempt ordinal.</summary>
    [JsonPropertyName("attemptNumber")]
    public required int AttemptNumber { get; init; }

    /// <summary>The agent.</summary>
    [JsonPropertyName("agent")]
    public Values.AgentRef? Agent { get; init; }

    /// <summary>The runtime.</summary>
    [JsonPropertyName("runtime")]
    public RuntimeDescriptor? Runtime { get; init; }

    /// <summary>Parent run of a sub-run.</summary>
    [JsonPropertyName("parentRunId")]
    public string? ParentRunId { get; init; }

    /// <summary>Root of the agent tree.</summary>
    [JsonPropertyName("rootRunId")]
    public string? RootRunId { get; init; }

    /// <summary>Tool call that spawned this sub-run.</summary>
    [JsonPropertyName("parentToolCallId")]
    public string? ParentToolCallId { get; init; }

    /// <summary>Checkpoint restored from.</summary>
    [JsonPropertyName("resumedFromCheckpointId")]
    public string? ResumedFromCheckpointId { get; init; }

    /// <summary>The task.start or run.resume delivery.</summary>
    [JsonPropertyName("startDeliveryId")]
    public string? StartDeliveryId { get; init; }
}
