namespace AgentService.Runtime.Hosting;

/// <summary>Why <see cref="AgentRuntime.RunAsync(IAgent, CancellationToken)"/> returned.</summary>
public enum AgentRunOutcome
{
    /// <summary>The run finished (run.finished published: by a cancel, or by the agent).</summary>
    RunFinished,

    /// <summary>No input for <see cref="AgentRuntimeOptions.IdleTimeout"/>: the process may exit; the next input starts it again.</summary>
    Idle,

    /// <summary>The caller's token stopped it.</summary>
    Stopped,
}
