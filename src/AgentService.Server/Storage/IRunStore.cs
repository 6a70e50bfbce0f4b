namespace AgentService.Server.Storage;

/// <summary>Runs, their attempts and run tokens. Every write is committed before its task completes.</summary>
internal partial interface IRunStore
{
    /// <summary>Creates a main run for a task, with its <c>task.start</c> delivery (sequence 1), in one transaction.</summary>
    Task<RunRecord> CreateRunAsync(string runId, string agentId, string sessionId, string taskStartPayload, string traceparent, CancellationToken cancellationToken);

    Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Starts a new attempt of the run with a run token (stored as its hash). Returns the attempt.</summary>
    Task<AttemptRecord> CreateAttemptAsync(string runId, string attemptId, string tokenHash, CancellationToken cancellationToken);

    Task<AttemptRecord?> GetAttemptAsync(string attemptId, CancellationToken cancellationToken);

    /// <summary>The latest attempt of the run, or <c>null</c> when none was started.</summary>
    Task<AttemptRecord?> GetCurrentAttemptAsync(string runId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AttemptRecord>> ListAttemptsAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The run a token was issued for, or <c>null</c>.</summary>
    Task<string?> FindRunByTokenAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>Applies an attach as one compare-and-set (PROTOCOL.md §4, §5).</summary>
    Task<AttachOutcome> AttachAsync(AttachRequest request, CancellationToken cancellationToken);

    /// <summary>Renews the lease of the attempt held by <paramref name="connectionId"/>.</summary>
    Task<HeartbeatOutcome> HeartbeatAsync(string attemptId, string connectionId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Ends an attempt (lost, or its process exited) unless it already ended.</summary>
    Task<bool> EndAttemptAsync(string attemptId, string status, string reason, CancellationToken cancellationToken);

    /// <summary>Active attempts whose lease expired before <paramref name="before"/>.</summary>
    Task<IReadOnlyList<AttemptRecord>> ListExpiredAttemptsAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// Claims a run of the agent for a worker, atomically: the oldest run with pending work that no attempt holds
    /// (none started, the last one over, or its claim or lease expired) gets a new attempt leased to the worker until
    /// <paramref name="leaseExpiresAt"/>, with the run token. <c>null</c> when there is no such run.
    /// </summary>
    Task<AttemptRecord?> ClaimAsync(string agentId, string workerId, string attemptId, string tokenHash, DateTimeOffset now, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// After a restart: every active attempt gets a lease of at least <paramref name="lease"/> from now to reconnect in
    /// (sockets were closed with 1012). With <paramref name="releaseConnections"/> (one node: every socket is known
    /// gone) their connection ids are cleared too; nodes sharing a database leave them, since other nodes hold theirs.
    /// </summary>
    Task RenewActiveLeasesAsync(DateTimeOffset now, TimeSpan lease, bool releaseConnections, CancellationToken cancellationToken);

    /// <summary>
    /// The service ends a run on its own (no runtime will: the launcher gave up on it, or it is cancelled before any
    /// runtime held it), in one write: its unfinished steps complete with <c>additional_output.error</c>, its pending
    /// deliveries are dropped, a service <c>run.finished</c> with the status and error is logged, and the run takes the
    /// status. Nothing happens (an empty list) when the run is already finished, or, with
    /// <paramref name="onlyIfNeverAttempted"/>, when it has had an attempt by then. Returns the steps it completed.
    /// </summary>
    Task<IReadOnlyList<CompletedStep>> EndRunAsync(string runId, string status, string errorCode, string errorMessage, bool onlyIfNeverAttempted, CancellationToken cancellationToken);
}

/// <summary>What a runtime asks for when it attaches.</summary>
internal sealed record AttachRequest(
    string RunId,
    string? AttemptId,
    string InstanceId,
    bool Reconnect,
    long Epoch,
    string Capabilities,
    string NewConnectionId,
    DateTimeOffset Now,
    TimeSpan Lease);

/// <summary>The result of an attach: the attempt (on success), the connection it replaced, or the refusal.</summary>
/// <remarks><paramref name="TakenOver"/>: another runtime instance held the attempt and its lease had lapsed (PROTOCOL.md §5:
/// a takeover, which starts with run.resume saying so).</remarks>
internal sealed record AttachOutcome(AttemptRecord? Attempt, string? SupersededConnectionId, int ErrorCode, string? ErrorMessage, RunRecord? Run, bool TakenOver = false)
{
    /// <summary>Unfinished local sub-runs of the run's earlier attempts handed to this attach, each with its new
    /// attempt (parents before their children): the session sends each a <c>run.resume</c> and replays its inputs.</summary>
    public IReadOnlyList<(RunRecord Run, AttemptRecord Attempt)> Adopted { get; init; } = [];
}

/// <summary>The result of a heartbeat.</summary>
internal enum HeartbeatOutcome
{
    Renewed,
    LeaseExpired,
    Superseded,
}
