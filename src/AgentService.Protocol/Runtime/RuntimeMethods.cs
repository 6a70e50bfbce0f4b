namespace AgentService.Protocol.Runtime;

/// <summary>JSON-RPC method names: the AsyncAPI channel name of the sending side (wire/frame.json).</summary>
public static class RuntimeMethods
{
    /// <summary>Attach (runtime to service).</summary>
    public const string Attach = "runtime.connection.attach.command";

    /// <summary>Heartbeat (runtime to service).</summary>
    public const string Heartbeat = "runtime.connection.heartbeat.command";

    /// <summary>Recover after a reconnect attach (runtime to service).</summary>
    public const string Recover = "runtime.connection.recover.command";

    /// <summary>Read secrets (runtime to service).</summary>
    public const string SecretsGet = "runtime.connection.secrets.get.command";

    /// <summary>Read config (runtime to service).</summary>
    public const string ConfigGet = "runtime.connection.config.get.command";

    /// <summary>Read KV (runtime to service).</summary>
    public const string KvGet = "runtime.connection.kv.get.command";

    /// <summary>Write KV (runtime to service).</summary>
    public const string KvSet = "runtime.connection.kv.set.command";

    /// <summary>Publish a batch of output events (runtime to service).</summary>
    public const string OutputEvent = "runtime.task.output.event";

    /// <summary>Input delivery (service to runtime).</summary>
    public const string InputEvent = "service.task.input.event";

    /// <summary>The WebSocket path under the service root.</summary>
    public const string Path = "/runtime";

    /// <summary>The protocol version sent in attach.</summary>
    public const string ProtocolVersion = "v1";
}
