using System.Text.Json;
using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime.Inputs;

/// <summary>Payload of a <c>task.start</c> delivery (sequence 1).</summary>
public sealed class TaskStartPayload
{
    /// <summary>The task.</summary>
    [JsonPropertyName("task")]
    public required Values.TaskSpec Task { get; init; }

    /// <summary>The agent.</summary>
    [JsonPropertyName("agent")]
    public Values.AgentRef? Agent { get; init; }

    /// <summary>Parent of a sub-run.</summary>
    [JsonPropertyName("parentRunId")]
    public string? ParentRunId { get; init; }

    /// <summary>Root of the agent tree.</summary>
    [JsonPropertyName("rootRunId")]
    public string? RootRunId { get; init; }

    /// <summary>Tool call that spawned it.</summary>
    [JsonPropertyName("parentToolCallId")]
    public string? ParentToolCallId { get; init; }

    /// <summary>Runs that must finish first.</summary>
    [JsonPropertyName("dependencies")]
    public JsonElement? Dependencies { get; init; }

    /// <summary>Initialise from another run's checkpoint.</summary>
    [JsonPropertyName("forkFromCheckpointId")]
    public string? ForkFromCheckpointId { get; init; }

    /// <summary>Deadline.</summary>
    [JsonPropertyName("deadline")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Budget.</summary>
    [JsonPropertyName("budget")]
    public JsonElement? Budget { get; init; }

    /// <summary>Config version.</summary>
    [JsonPropertyName("configVersion")]
    public string? ConfigVersion { get; init; }
}
