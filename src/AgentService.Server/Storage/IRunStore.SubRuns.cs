namespace AgentService.Server.Storage;

/// <summary>Sub-runs (PROTOCOL.md §6): parent links, cascading cancel, and re-binding local sub-runs after a reconnect.</summary>
internal partial interface IRunStore
{
    /// <summary>The children of <paramref name="runId"/> in creation order (then run id), after the child
    /// <paramref name="afterRunId"/> when given.</summary>
    Task<IReadOnlyList<RunRecord>> ListChildrenAsync(string runId, string? afterRunId, int limit, CancellationToken cancellationToken);

    /// <summary>The runs <paramref name="runId"/> waits for before it starts (its spawn's <c>dependsOn</c>, in that
    /// order), with their status.</summary>
    Task<IReadOnlyList<RunDependency>> ListDependenciesAsync(string runId, CancellationToken cancellationToken);

    /// <summary>What the children of <paramref name="parentRunId"/> from <paramref name="firstChildId"/> to
    /// <paramref name="lastChildId"/> (in <see cref="ListChildrenAsync"/>'s order) depend on, by child, in order.</summary>
    Task<ILookup<string, string>> ListChildDependenciesAsync(string parentRunId, string firstChildId, string lastChildId, CancellationToken cancellationToken);

    /// <summary>Every unfinished run that <paramref name="runId"/> waits for, directly or through the dependencies of
    /// the runs it waits for.</summary>
    Task<IReadOnlyList<string>> ListWaitedForAsync(string runId, CancellationToken cancellationToken);

    /// <summary>An agent's runs, newest first, optionally of one <paramref name="status"/>, after the run
    /// <paramref name="afterRunId"/> of that order (the last of the previous page).</summary>
    Task<IReadOnlyList<RunRecord>> ListAgentRunsAsync(string agentId, string? status, string? afterRunId, int limit, CancellationToken cancellationToken);

    /// <summary>Whether a token issued for <paramref name="tokenRunId"/> reaches <paramref name="runId"/>: the run itself
    /// or one of its sub-runs, at any depth.</summary>
    Task<bool> CoversAsync(string tokenRunId, string runId, CancellationToken cancellationToken);

    /// <summary>Stores a <c>cancel</c> delivery for the run and every unfinished run below it, in one transaction; without
    /// <paramref name="cascade"/> only for the run and the local sub-runs below it through local sub-runs (they live in
    /// its runtime and cannot outlive it), so service-hosted sub-runs go on. Returns the runs that got one (the run first).</summary>
    Task<IReadOnlyList<(RunRecord Run, DeliveryRecord Delivery)>> CancelTreeAsync(string runId, bool cascade, string payload, string traceparent, CancellationToken cancellationToken);

    /// <summary>
    /// Re-binds local sub-runs of <paramref name="hostAttemptId"/> to <paramref name="connectionId"/>, all or none: a
    /// run that is finished is reported with 1022, one that is not a live local sub-run of the attempt with 1021.
    /// On success the attempt's local sub-runs that were not named are lost (their runs fail).
    /// </summary>
    Task<RecoverOutcome> RecoverSubRunsAsync(string hostAttemptId, string connectionId, IReadOnlyList<string> subRunIds, CancellationToken cancellationToken);
}

/// <summary>What a recover did: the re-bound sub-runs with their attempts, or the refusal with the runs it names.</summary>
internal sealed record RecoverOutcome(IReadOnlyList<(RunRecord Run, AttemptRecord Attempt)> Bound, int ErrorCode, IReadOnlyList<string> ErrorRunIds, IReadOnlyList<string> LostRunIds);
