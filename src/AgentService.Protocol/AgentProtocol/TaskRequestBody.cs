using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>Body of a create-task request; also used (as <c>StepRequestBody</c>) for steps: the two have the same shape.</summary>
public sealed class TaskRequestBody
{
    /// <summary>Input prompt.</summary>
    [JsonPropertyName("input")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Input { get; init; }

    /// <summary>Input parameters: any JSON object, or <c>null</c>.</summary>
    [JsonPropertyName("additional_input")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public RawJson? AdditionalInput { get; init; }
}
