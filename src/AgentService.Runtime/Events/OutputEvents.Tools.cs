using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;

namespace AgentService.Runtime.Events;

public static partial class OutputEvents
{
    /// <summary><c>tool.call.requested</c> (needs tool.call); an approval needs an interactionId.</summary>
    public static OutputEventDraft ToolCallRequested(ToolCallRequestedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.RequiresApproval && data.InteractionId is null)
        {
            throw new ArgumentException("A tool call that requires approval names its interactionId.", nameof(data));
        }

        return Draft(OutputEventTypes.ToolCallRequested, data, RuntimeJsonContext.Wire.ToolCallRequestedData) with { Subject = data.ToolCallId };
    }

    /// <summary><c>tool.call.arguments.delta</c> (ephemeral).</summary>
    public static OutputEventDraft ToolCallArgumentsDelta(ToolCallArgumentsDeltaData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(data.Delta);
        return Draft(OutputEventTypes.ToolCallArgumentsDelta, data, RuntimeJsonContext.Wire.ToolCallArgumentsDeltaData) with { Subject = data.ToolCallId };
    }

    /// <summary><c>tool.call.started</c>.</summary>
    public static OutputEventDraft ToolCallStarted(ToolCallStartedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(data.ExecutionAttempt, 1);
        return Draft(OutputEventTypes.ToolCallStarted, data, RuntimeJsonContext.Wire.ToolCallStartedData) with { Subject = data.ToolCallId };
    }

    /// <summary><c>tool.call.progress</c> (ephemeral).</summary>
    public static OutputEventDraft ToolCallProgress(ToolCallProgressData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.ToolCallProgress, data, RuntimeJsonContext.Wire.ToolCallProgressData) with { Subject = data.ToolCallId };
    }

    /// <summary><c>tool.call.completed</c>.</summary>
    public static OutputEventDraft ToolCallCompleted(ToolCallCompletedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.ToolCallCompleted, data, RuntimeJsonContext.Wire.ToolCallCompletedData) with { Subject = data.ToolCallId };
    }

    /// <summary><c>tool.call.failed</c>.</summary>
    public static OutputEventDraft ToolCallFailed(ToolCallFailedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.ToolCallFailed, data, RuntimeJsonContext.Wire.ToolCallFailedData) with { Subject = data.ToolCallId };
    }

    /// <summary><c>interaction.requested</c> (needs interaction.request); choice needs choices, input needs responseSchema.</summary>
    public static OutputEventDraft InteractionRequested(InteractionRequestedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Kind == "choice" && (data.Choices is null || data.Choices.Count == 0))
        {
            throw new ArgumentException("A choice interaction needs choices.", nameof(data));
        }

        if (data.Kind == "input" && data.ResponseSchema is null)
        {
            throw new ArgumentException("An input interaction needs a responseSchema.", nameof(data));
        }

        return Draft(OutputEventTypes.InteractionRequested, data, RuntimeJsonContext.Wire.InteractionRequestedData) with { Subject = data.InteractionId };
    }

    /// <summary><c>interaction.resolved</c>, for a decision the runtime makes locally.</summary>
    public static OutputEventDraft InteractionResolved(InteractionResolvedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.InteractionResolved, data, RuntimeJsonContext.Wire.InteractionResolvedData) with { Subject = data.InteractionId };
    }
}
