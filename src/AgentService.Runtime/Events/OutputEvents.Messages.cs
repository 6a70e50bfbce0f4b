using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;

namespace AgentService.Runtime.Events;

public static partial class OutputEvents
{
    /// <summary><c>message.started</c>; subject is the message.</summary>
    public static OutputEventDraft MessageStarted(MessageStartedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.MessageStarted, data, RuntimeJsonContext.Wire.MessageStartedData) with { Subject = data.MessageId };
    }

    /// <summary><c>message.delta</c> (ephemeral); the delta must not be empty.</summary>
    public static OutputEventDraft MessageDelta(MessageDeltaData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(data.Delta);
        return Draft(OutputEventTypes.MessageDelta, data, RuntimeJsonContext.Wire.MessageDeltaData) with { Subject = data.MessageId };
    }

    /// <summary><c>message.completed</c>: the full content.</summary>
    public static OutputEventDraft MessageCompleted(MessageCompletedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.MessageCompleted, data, RuntimeJsonContext.Wire.MessageCompletedData) with { Subject = data.MessageId };
    }

    /// <summary>A completed assistant text message.</summary>
    public static OutputEventDraft MessageCompleted(string messageId, string text, string role = "assistant") =>
        MessageCompleted(new MessageCompletedData
        {
            MessageId = messageId,
            Role = role,
            Status = "completed",
            Content = [new ContentPart { Type = "text", Text = text }],
        });

    /// <summary><c>reasoning.started</c>.</summary>
    public static OutputEventDraft ReasoningStarted(ReasoningStartedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.ReasoningStarted, data, RuntimeJsonContext.Wire.ReasoningStartedData);
    }

    /// <summary><c>reasoning.delta</c> (ephemeral).</summary>
    public static OutputEventDraft ReasoningDelta(ReasoningDeltaData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(data.Delta);
        return Draft(OutputEventTypes.ReasoningDelta, data, RuntimeJsonContext.Wire.ReasoningDeltaData);
    }

    /// <summary><c>reasoning.completed</c>.</summary>
    public static OutputEventDraft ReasoningCompleted(ReasoningCompletedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.ReasoningCompleted, data, RuntimeJsonContext.Wire.ReasoningCompletedData);
    }
}
