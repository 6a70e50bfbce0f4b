using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Events;

namespace AgentService.Runtime;

/// <summary>
/// An attached runtime connection (PROTOCOL.md): heartbeats on the service's schedule, lease tracking with
/// self-fencing, automatic reconnect with a higher epoch and recover, input deliveries in order with explicit
/// acknowledgement, output publishing with buffering and resend, and the typed secrets/config/KV calls.
/// </summary>
public interface IRuntimeConnection : IAsyncDisposable
{
    /// <summary>The attached (main) run.</summary>
    string RunId { get; }

    /// <summary>The attempt this process executes.</summary>
    string AttemptId { get; }

    /// <summary>This process incarnation.</summary>
    string RuntimeInstanceId { get; }

    /// <summary>The http(s) base URL of the service node this connection uses: the one attached to, or while
    /// reconnecting the one tried next (see <see cref="RuntimeConnectionOptions.ServiceUrls"/>).</summary>
    Uri ServiceUrl { get; }

    /// <summary>The current connection id (changes on every re-attach).</summary>
    string RuntimeConnectionId { get; }

    /// <summary>The session of the run.</summary>
    string SessionId { get; }

    /// <summary>The agent config version, fixed per attempt (null if the service sent none).</summary>
    string? ConfigVersion { get; }

    /// <summary>The epoch of the current (or last tried) attach.</summary>
    long ConnectionEpoch { get; }

    /// <summary>The heartbeat interval the service asked for; the lease is three of them.</summary>
    TimeSpan HeartbeatInterval { get; }

    /// <summary>What the service granted: each declared capability once, <c>unsupported</c> when not granted.</summary>
    IReadOnlyList<SdkCapability> EffectiveCapabilities { get; }

    /// <summary>Where the connection is.</summary>
    RuntimeConnectionState State { get; }

    /// <summary>
    /// Cancelled when the run's work must stop: a <c>cancel</c> input arrived, the runtime fenced itself (lease lapsed,
    /// heartbeat refused), or the connection ended. After fencing, a successful re-attach issues a new token (read it
    /// again); after a cancel it stays cancelled.
    /// </summary>
    CancellationToken WorkToken { get; }

    /// <summary>True once a <c>cancel</c> input was handed out.</summary>
    bool IsCancellationRequested { get; }

    /// <summary>Completes when the connection ends: normally after dispose, faulted with
    /// <see cref="RuntimeConnectionException"/> when it ended for good.</summary>
    Task Completion { get; }

    /// <summary>True when <paramref name="name"/> is effective (granted and not <c>unsupported</c>).</summary>
    bool IsEffective(string name, string surface = CapabilitySurfaces.Core);

    /// <summary>Input deliveries of every run on this connection, each run's in sequence order, <c>run.resume</c> first.
    /// Acknowledge each with <see cref="InputDelivery.AcknowledgeAsync"/> once applied.</summary>
    IAsyncEnumerable<InputDelivery> ReadDeliveriesAsync(CancellationToken cancellationToken = default);

    /// <summary>Publishes events of the main run; completes once the service accepted (stored) all of them.</summary>
    /// <exception cref="RuntimeFencedException">The runtime is fenced.</exception>
    /// <exception cref="RuntimeProtocolException">A capability the event needs is not effective (1010), or the service refused the batch.</exception>
    Task PublishAsync(IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken = default);

    /// <summary>Publishes events of <paramref name="runId"/> (the main run or a local sub-run).</summary>
    Task PublishAsync(string runId, IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken = default);

    /// <summary>Secrets by name (all granted ones when <paramref name="names"/> is null); unknown or ungranted names are omitted. Needs secrets.read.</summary>
    Task<IReadOnlyDictionary<string, string>> GetSecretsAsync(IEnumerable<string>? names = null, CancellationToken cancellationToken = default);

    /// <summary>The agent's config object. Needs config.read.</summary>
    Task<JsonElement> GetConfigAsync(CancellationToken cancellationToken = default);

    /// <summary>Values of the session's KV by key; missing keys are omitted. Needs kv.read.</summary>
    Task<IReadOnlyDictionary<string, string>> GetKvAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Sets session KV values, all or nothing. Needs kv.write; refused while fenced.</summary>
    Task SetKvAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default);

    /// <summary>Binds a local sub-run to this connection (done automatically by publishing subrun.spawned with hosting local).</summary>
    void AddLocalSubRun(string childRunId, string? rootRunId = null);

    /// <summary>The local sub-runs alive on this connection (named in recover).</summary>
    IReadOnlyList<string> LocalSubRuns { get; }
}
