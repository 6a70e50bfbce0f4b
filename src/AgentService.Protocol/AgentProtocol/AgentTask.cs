using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>An agent task (Agent Protocol <c>Task</c>). Named <c>AgentTask</c> to keep clear of <see cref="System.Threading.Tasks.Task"/>.</summary>
public sealed class AgentTask
{
    /// <summary>The ID of the task (the id of its main run).</summary>
    [JsonPropertyName("task_id")]
    public required string TaskId { get; init; }

    /// <summary>Input prompt for the task.</summary>
    [JsonPropertyName("input")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Input { get; init; }

    /// <summary>Input parameters for the task: any JSON object, or <c>null</c>.</summary>
    [JsonPropertyName("additional_input")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public RawJson? AdditionalInput { get; init; }

    /// <summary>The artifacts of the task, uploaded and agent-created, in creation order.</summary>
    [JsonPropertyName("artifacts")]
    public required IReadOnlyList<Artifact> Artifacts { get; init; }
}
