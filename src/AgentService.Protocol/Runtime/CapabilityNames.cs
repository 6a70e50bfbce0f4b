namespace AgentService.Protocol.Runtime;

/// <summary>Capability names of the core and platform surfaces (commands/runtime-connection.json).</summary>
public static class CapabilityNames
{
    /// <summary>Receive input deliveries (required).</summary>
    public const string InputReceive = "input.receive";

    /// <summary>Publish output events (required).</summary>
    public const string OutputPublish = "output.publish";

    /// <summary>Gates <c>tool.call.*</c> events.</summary>
    public const string ToolCall = "tool.call";

    /// <summary>Gates <c>interaction.requested</c>.</summary>
    public const string InteractionRequest = "interaction.request";

    /// <summary>Own spans (else the received trace context is copied).</summary>
    public const string Tracing = "tracing";

    /// <summary>Gates <c>runtime.connection.config.get.command</c>.</summary>
    public const string ConfigRead = "config.read";

    /// <summary>Gates <c>runtime.connection.secrets.get.command</c>.</summary>
    public const string SecretsRead = "secrets.read";

    /// <summary>Gates <c>runtime.connection.kv.get.command</c>.</summary>
    public const string KvRead = "kv.read";

    /// <summary>Gates <c>runtime.connection.kv.set.command</c>.</summary>
    public const string KvWrite = "kv.write";

    /// <summary>Gates <c>checkpoint.saved</c>.</summary>
    public const string CheckpointSave = "checkpoint.save";

    /// <summary>Gates the checkpoint in <c>run.resume</c>.</summary>
    public const string CheckpointLoad = "checkpoint.load";

    /// <summary>Platform: read files.</summary>
    public const string FsRead = "fs.read";

    /// <summary>Platform: write files.</summary>
    public const string FsWrite = "fs.write";

    /// <summary>Platform: list files.</summary>
    public const string FsList = "fs.list";

    /// <summary>Platform: snapshot the workspace.</summary>
    public const string WorkspaceSnapshot = "workspace.snapshot";

    /// <summary>Platform: restore a workspace snapshot.</summary>
    public const string WorkspaceRestore = "workspace.restore";

    /// <summary>Platform: run terminal commands.</summary>
    public const string TerminalExec = "terminal.exec";

    /// <summary>Platform: open a browser.</summary>
    public const string BrowserOpen = "browser.open";

    /// <summary>Every core capability name.</summary>
    public static IReadOnlyList<string> Core { get; } =
        [InputReceive, OutputPublish, ToolCall, InteractionRequest, Tracing, ConfigRead, SecretsRead, KvRead, KvWrite, CheckpointSave, CheckpointLoad];

    /// <summary>Every platform capability name.</summary>
    public static IReadOnlyList<string> Platform { get; } =
        [FsRead, FsWrite, FsList, WorkspaceSnapshot, WorkspaceRestore, TerminalExec, BrowserOpen];
}
