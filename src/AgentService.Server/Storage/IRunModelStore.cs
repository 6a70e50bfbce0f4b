namespace AgentService.Server.Storage;

/// <summary>
/// The run event model projected from the log (tool calls, interactions, checkpoints, todo lists), the service's
/// resolution of interactions, and consistent snapshots of a run.
/// </summary>
internal interface IRunModelStore
{
    /// <summary>Tool calls of the run whose first event is after <paramref name="afterPosition"/>, in log order.</summary>
    Task<IReadOnlyList<ToolCallRecord>> ListToolCallsAsync(string runId, long afterPosition, int limit, CancellationToken cancellationToken);

    /// <summary>Interactions (pending and resolved) requested after <paramref name="afterPosition"/>, in log order.</summary>
    Task<IReadOnlyList<InteractionRecord>> ListInteractionsAsync(string runId, long afterPosition, int limit, CancellationToken cancellationToken);

    Task<InteractionRecord?> GetInteractionAsync(string runId, string interactionId, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves a pending interaction in one transaction: stores the <c>interaction.response</c> delivery (and a
    /// <c>cancel</c> one when asked), records <c>interaction.resolved</c> (and <c>run.status.changed</c> when the run
    /// stops waiting) in the log as the service, and updates the record.
    /// </summary>
    Task<InteractionResolveResult> ResolveInteractionAsync(InteractionResolution resolution, CancellationToken cancellationToken);

    /// <summary>Pending interactions whose expiry is at or before <paramref name="now"/>, oldest expiry first.</summary>
    Task<IReadOnlyList<InteractionRecord>> ListExpiredInteractionsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>The run's latest checkpoint, or <c>null</c>.</summary>
    Task<CheckpointRecord?> GetLatestCheckpointAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The run's projection and its watermark, read consistently; <c>null</c> for an unknown run.</summary>
    Task<RunSnapshot?> GetSnapshotAsync(string runId, CancellationToken cancellationToken);
}
