namespace AgentService.Server.Runtime;

/// <summary>The <c>AgentService:Runtime</c> section: the runtime connection gateway and the launcher.</summary>
public sealed class RuntimeOptions
{
    /// <summary>Heartbeat interval given to runtimes at attach; the lease is 3 × this. Default 10000.</summary>
    public int HeartbeatIntervalMs { get; set; } = 10_000;

    /// <summary>After lease expiry plus this grace an attempt is lost. Default 15 s.</summary>
    public double LeaseGraceSeconds { get; set; } = 15;

    /// <summary>The first frame (attach) must arrive within this time. Default 10 s.</summary>
    public double AttachTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest text frame; larger ones close the socket with 1009. Default 1 MiB.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>Deepest JSON nesting of a frame; deeper frames are answered with a parse error (-32700). Default 64.</summary>
    public int MaxFrameDepth { get; set; } = 64;

    /// <summary>Most events in one output batch. Default 500.</summary>
    public int MaxEventsPerBatch { get; set; } = 500;

    /// <summary>Longest KV key, in characters. Default 256.</summary>
    public int MaxKvKeyLength { get; set; } = 256;

    /// <summary>Longest KV value, in characters. Default 65536.</summary>
    public int MaxKvValueLength { get; set; } = 64 * 1024;

    /// <summary>Most keys in one kv.get or kv.set. Default 100.</summary>
    public int MaxKvKeysPerCall { get; set; } = 100;

    /// <summary>Consecutive failed attempts (process exit or lost lease with work pending) before the run fails. Default 3.
    /// Idle exits do not count.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Delay before a new attempt after a process exit with work pending (doubles per attempt). Default 0.5 s.</summary>
    public double RestartBackoffSeconds { get; set; } = 0.5;

    /// <summary>A launched runtime may exit after this long without input (passed as AGENTSERVICE_IDLE_TIMEOUT_SECONDS);
    /// the next input starts it again. Default 300 s; 0 = never.</summary>
    public double IdleTimeoutSeconds { get; set; } = 300;

    /// <summary>How often expired leases are swept. Default 1 s.</summary>
    public double SweepIntervalSeconds { get; set; } = 1;

    /// <summary>When set, workers must send it as <c>Authorization: Bearer</c> to claim runs.</summary>
    public string? WorkerToken { get; set; }

    public TimeSpan Lease => TimeSpan.FromMilliseconds(3.0 * HeartbeatIntervalMs);
}
