using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>step.started</c>.</summary>
public sealed class StepStartedData
{
    /// <summary><c>stp_</c> id (the service's for an Agent Protocol step).</summary>
    [JsonPropertyName("stepId")]
    public required string StepId { get; init; }

    /// <summary>model_call, tool_execution, planning, handoff, custom.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>Step name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>0-based ordinal within the attempt.</summary>
    [JsonPropertyName("index")]
    public required int Index { get; init; }

    /// <summary>Enclosing step.</summary>
    [JsonPropertyName("parentStepId")]
    public string? ParentStepId { get; init; }

    /// <summary>The model called.</summary>
    [JsonPropertyName("model")]
    public ModelRef? Model { get; init; }
}
