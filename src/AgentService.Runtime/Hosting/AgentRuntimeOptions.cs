namespace AgentService.Runtime.Hosting;

/// <summary>Settings of <see cref="AgentRuntime"/>.</summary>
public sealed class AgentRuntimeOptions
{
    /// <summary>The connection settings; null reads the launcher's environment variables.</summary>
    public RuntimeConnectionOptions? Connection { get; set; }

    /// <summary>Return <see cref="AgentRunOutcome.Idle"/> after this long without input; null (default) waits forever.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>The step kind written into step.started (default <c>custom</c>).</summary>
    public string StepKind { get; set; } = "custom";
}
