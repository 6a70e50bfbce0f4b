using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>A step of a task (Agent Protocol <c>Step</c>; named to avoid the VB keyword).</summary>
public sealed class TaskStep
{
    /// <summary>The ID of the task this step belongs to.</summary>
    [JsonPropertyName("task_id")]
    public required string TaskId { get; init; }

    /// <summary>The ID of the step.</summary>
    [JsonPropertyName("step_id")]
    public required string StepId { get; init; }

    /// <summary>Input prompt for the step.</summary>
    [JsonPropertyName("input")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Input { get; init; }

    /// <summary>Input parameters for the step: any JSON object, or <c>null</c>.</summary>
    [JsonPropertyName("additional_input")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public RawJson? AdditionalInput { get; init; }

    /// <summary>The name of the step.</summary>
    [JsonPropertyName("name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Name { get; init; }

    /// <summary><c>created</c>, <c>running</c> or <c>completed</c> (see <see cref="StepStatus"/>).</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>Output of the step.</summary>
    [JsonPropertyName("output")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Output { get; init; }

    /// <summary>Additional output of the step: any JSON object, or <c>null</c>.</summary>
    [JsonPropertyName("additional_output")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public RawJson? AdditionalOutput { get; init; }

    /// <summary>The artifacts the step has produced.</summary>
    [JsonPropertyName("artifacts")]
    public required IReadOnlyList<Artifact> Artifacts { get; init; }

    /// <summary>Whether this is the last step of the task's current turn.</summary>
    [JsonPropertyName("is_last")]
    public required bool IsLast { get; init; }
}
