using System.Text.Json;

namespace AgentService.Runtime.Hosting;

/// <summary>An Agent Protocol step request (PROTOCOL.md section 13): <c>value = {input, additional_input}</c>.</summary>
public sealed class StepInput
{
    /// <summary>The service-minted step id (the Agent Protocol step_id).</summary>
    public required string StepId { get; init; }

    /// <summary>The step's input text.</summary>
    public string? Input { get; init; }

    /// <summary>The step's additional_input object, if any.</summary>
    public JsonElement? AdditionalInput { get; init; }

    /// <summary>The whole <c>value</c> of the delivery.</summary>
    public JsonElement? Value { get; init; }

    /// <summary>The delivery that carried it.</summary>
    public required InputDelivery Delivery { get; init; }
}
