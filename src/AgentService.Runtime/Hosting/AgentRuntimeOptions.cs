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

    /// <summary>The longest idle timeout a timer can run (int.MaxValue milliseconds, 24.8 days); a longer one is taken as this.</summary>
    public static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>The variable in which the launcher passes the idle timeout (seconds).</summary>
    public const string IdleTimeoutVariable = "AGENTSERVICE_IDLE_TIMEOUT_SECONDS";

    /// <summary>Options from the launcher's environment: the idle timeout it asks for, if any.</summary>
    public static AgentRuntimeOptions FromEnvironment(System.Collections.IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var options = new AgentRuntimeOptions();
        if (environment[IdleTimeoutVariable] is string text
            && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            options.IdleTimeout = seconds < MaxIdleTimeout.TotalSeconds ? TimeSpan.FromSeconds(seconds) : MaxIdleTimeout;
        }

        return options;
    }
}
