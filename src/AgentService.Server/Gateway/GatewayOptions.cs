namespace AgentService.Server.Gateway;

/// <summary>Settings of the Gateway, bound from <c>AgentService:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "AgentService:Gateway";

    /// <summary>An agent without a heartbeat for this long is marked offline. Default 60 s (the reference's <c>heartbeat_timeout</c>).</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the sweeper looks for agents past the heartbeat timeout. Default 5 s.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one webhook push may take, connecting included. Default 10 s (the reference's <c>webhook_timeout</c>).</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long past <see cref="WebhookTimeout"/> a claimed delivery stays leased to the node pushing it. When the
    /// node dies mid-push, another node (or its own restart) pushes the message again once the lease ends. Default 30 s.</summary>
    public TimeSpan LeaseMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before the first retry of a queued message; it doubles with each failed attempt. Default 1 s.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts. Default 5 min.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A message not delivered within this time after it was accepted fails. Default 24 h.</summary>
    public TimeSpan MessageExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often queued messages for an offline agent (or one without a webhook) check whether it is back,
    /// besides being woken when it registers or heartbeats again. Default 30 s.</summary>
    public TimeSpan OfflineRecheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest the outbox dispatcher sleeps without being woken: it is woken by every send, registration and
    /// heartbeat (on PostgreSQL, of any node, through LISTEN/NOTIFY), so this only bounds how late it notices due retries
    /// and leases that ran out. Default 5 s.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Queued pushes in flight at once. Default 32.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 32;

    /// <summary>Allow webhook URLs on loopback addresses (127.0.0.0/8, ::1). Default true, for local development.</summary>
    public bool AllowLoopback { get; set; } = true;

    /// <summary>Allow webhook URLs on private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Default false.</summary>
    public bool AllowPrivateNetworks { get; set; }
}
