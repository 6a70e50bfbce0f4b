namespace AgentService.Server.Hosting;

/// <summary>What the default agent <c>echo</c> is when there is no agents file (<c>AgentService:DefaultAgent</c>).</summary>
public enum DefaultAgentMode
{
    /// <summary>The EchoAgent sample as a runtime process, launched by the service for each run that has work (over the
    /// runtime connection protocol). Falls back to <see cref="Builtin"/>, with a warning, when it cannot be found.</summary>
    Process,

    /// <summary>The built-in agent inside the server process: no process per run (embedding, tests, benchmarks).</summary>
    Builtin,
}
