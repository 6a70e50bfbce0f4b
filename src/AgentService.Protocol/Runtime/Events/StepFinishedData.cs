using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>step.finished</c>; output, additionalOutput, isLast and name fill the Agent Protocol step.</summary>
public sealed class StepFinishedData
{
    /// <summary>The step.</summary>
    [JsonPropertyName("stepId")]
    public required string StepId { get; init; }

    /// <summary>completed, failed, cancelled.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>Why the model stopped.</summary>
    [JsonPropertyName("finishReason")]
    public Values.FinishReason? FinishReason { get; init; }

    /// <summary>Token usage.</summary>
    [JsonPropertyName("usage")]
    public Values.Usage? Usage { get; init; }

    /// <summary>Required when failed.</summary>
    [JsonPropertyName("error")]
    public Values.ErrorInfo? Error { get; init; }

    /// <summary>Provider reference.</summary>
    [JsonPropertyName("providerRef")]
    public Values.ProviderRef? ProviderRef { get; init; }

    /// <summary>Provider pass-through.</summary>
    [JsonPropertyName("providerMetadata")]
    public JsonElement? ProviderMetadata { get; init; }

    /// <summary>Agent Protocol Step.output.</summary>
    [JsonPropertyName("output")]
    public string? Output { get; init; }

    /// <summary>Agent Protocol Step.additional_output (an object).</summary>
    [JsonPropertyName("additionalOutput")]
    public JsonElement? AdditionalOutput { get; init; }

    /// <summary>Agent Protocol Step.is_last.</summary>
    [JsonPropertyName("isLast")]
    public bool? IsLast { get; init; }

    /// <summary>Agent Protocol Step.name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }
}
