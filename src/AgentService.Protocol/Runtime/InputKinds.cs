namespace AgentService.Protocol.Runtime;

/// <summary>Kinds of <see cref="TaskInputDelivery"/> (PROTOCOL.md section 10).</summary>
public static class InputKinds
{
    /// <summary>The task itself; always sequence 1.</summary>
    public const string TaskStart = "task.start";

    /// <summary>Rebuild a run without in-memory state; no sequence, goes first.</summary>
    public const string RunResume = "run.resume";

    /// <summary>A user or agent-to-agent message.</summary>
    public const string Message = "message";

    /// <summary>A tool result, or an Agent Protocol step.</summary>
    public const string StepInput = "step.input";

    /// <summary>The answer to <c>interaction.requested</c>.</summary>
    public const string InteractionResponse = "interaction.response";

    /// <summary>Wakes a waiting run.</summary>
    public const string Wake = "wake";

    /// <summary>Cancels the run.</summary>
    public const string Cancel = "cancel";
}
