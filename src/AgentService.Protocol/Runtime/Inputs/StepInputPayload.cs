using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Inputs;

/// <summary>Payload of a <c>step.input</c> delivery: a tool result or an Agent Protocol step.</summary>
public sealed class StepInputPayload
{
    /// <summary>Result of this tool call.</summary>
    [JsonPropertyName("toolCallId")]
    public string? ToolCallId { get; init; }

    /// <summary>The Agent Protocol step (minted by the service).</summary>
    [JsonPropertyName("stepId")]
    public string? StepId { get; init; }

    /// <summary>The data; for an Agent Protocol step <c>{input, additional_input}</c>.</summary>
    [JsonPropertyName("value")]
    public JsonElement? Value { get; init; }

    /// <summary>The value is an error.</summary>
    [JsonPropertyName("isError")]
    public bool? IsError { get; init; }

    /// <summary>Artifacts.</summary>
    [JsonPropertyName("artifacts")]
    public IReadOnlyList<Values.ArtifactRef>? Artifacts { get; init; }
}
