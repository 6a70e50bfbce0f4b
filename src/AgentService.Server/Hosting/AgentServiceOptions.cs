namespace AgentService.Server.Hosting;

/// <summary>Settings of the service, bound from the <c>AgentService</c> configuration section
/// (appsettings, <c>AgentService__X</c> environment variables, or command-line switches).</summary>
public sealed class AgentServiceOptions
{
    public const string SectionName = "AgentService";

    /// <summary>Where the SQLite database and the blobs live. Default <c>./data</c> (<c>--data-dir</c>).</summary>
    public string DataDir { get; set; } = "./data";

    /// <summary>JSON file with the agent definitions (<c>--agents</c>). Absent: the default <c>echo</c> agent only (see
    /// <see cref="DefaultAgent"/>).</summary>
    public string? AgentsFile { get; set; }

    /// <summary>What the default agent <c>echo</c> is when there is no agents file: <c>process</c> (default) runs the
    /// EchoAgent sample, built with the server into <c>agents/echo/</c> beside it, as a runtime process launched per run;
    /// <c>builtin</c> runs the built-in echo inside the server. Ignored with an agents file.</summary>
    public DefaultAgentMode DefaultAgent { get; set; } = DefaultAgentMode.Process;

    /// <summary>The EchoAgent build (<c>EchoAgent.dll</c>) the <c>process</c> default agent runs. Default
    /// <c>agents/echo/EchoAgent.dll</c> in the server's own directory.</summary>
    public string? EchoAgentPath { get; set; }

    /// <summary>Largest artifact upload accepted, in bytes. Default 100 MiB (<c>--max-upload-bytes</c>).</summary>
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Largest JSON request body accepted, in bytes. Default 1 MiB.</summary>
    public int MaxJsonBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted in a request body. Default 64.</summary>
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>How long POST step waits for the step to complete before answering it as <c>running</c>.
    /// Default 30 s (<c>--step-wait</c>, in seconds); a request may ask for less or more with <c>Prefer: wait=N</c>.</summary>
    public double StepWaitSeconds { get; set; } = 30;

    /// <summary>The longest wait a <c>Prefer: wait=N</c> header may ask for. Default 300 s.</summary>
    public double MaxStepWaitSeconds { get; set; } = 300;

    /// <summary>Where the data lives: SQLite in <see cref="DataDir"/> unless a PostgreSQL connection string is given.</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>This node's name among the nodes sharing one PostgreSQL database: the owner of the gateway deliveries it
    /// has in flight. Default: an id made on first start and kept in <c>&lt;data-dir&gt;/node-id</c>, so a restart on the same
    /// data directory is the same node.</summary>
    public string? NodeId { get; set; }

    /// <summary>Concurrent step executions of the built-in agents. Default 64.</summary>
    public int BuiltInConcurrency { get; set; } = 64;
}
