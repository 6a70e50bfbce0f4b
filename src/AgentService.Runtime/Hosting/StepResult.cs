using System.Text.Json;

namespace AgentService.Runtime.Hosting;

/// <summary>What a step returns: the Agent Protocol Step's output, additional_output, is_last and name.</summary>
public sealed class StepResult
{
    /// <summary>The step's output text.</summary>
    public string? Output { get; init; }

    /// <summary>A JSON object for additional_output.</summary>
    public JsonElement? AdditionalOutput { get; init; }

    /// <summary>True when this step ends the current request of the task.</summary>
    public bool IsLast { get; init; }

    /// <summary>The step's name.</summary>
    public string? Name { get; init; }

    /// <summary>A text result.</summary>
    public static StepResult Text(string? output, bool isLast = false) => new() { Output = output, IsLast = isLast };
}
