namespace AgentService.Server.Storage;

/// <summary>Input deliveries: stored before sending, gap-free sequence per run, resent until acknowledged.</summary>
internal interface IDeliveryStore
{
    /// <summary>Stores a delivery as the run's next sequence; <c>null</c> when the run does not exist.</summary>
    Task<DeliveryRecord?> EnqueueAsync(string runId, string deliveryId, string kind, string payload, string traceparent, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new step of the run's task (<c>created</c>, the task's next) and the run's next delivery, which
    /// carries it to the runtime, in one commit; <c>null</c> when the task does not exist. The run must exist; when it
    /// has ended, nothing is stored and <see cref="RunEndedException"/> is thrown.
    /// </summary>
    Task<StepRecord?> EnqueueStepAsync(
        string runId, string stepId, string? input, string? additionalInput, string deliveryId, string payload, string traceparent, CancellationToken cancellationToken);

    /// <summary>Deliveries of the run after <paramref name="afterSequence"/>, in sequence order: the unacknowledged
    /// ones, or all of them (a replay for an attempt that starts without state).</summary>
    Task<IReadOnlyList<DeliveryRecord>> ListAsync(string runId, long afterSequence, bool includeAcknowledged, int limit, CancellationToken cancellationToken);

    /// <summary>Whether the run has unacknowledged deliveries other than <c>task.start</c> (work for a runtime).</summary>
    Task<bool> HasPendingWorkAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Runs that have unacknowledged work (beyond task.start), oldest first.</summary>
    Task<IReadOnlyList<string>> ListRunsWithPendingWorkAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Counts a transmission (deliveryCount + 1) and returns the new count.</summary>
    Task<int> MarkSentAsync(string deliveryId, CancellationToken cancellationToken);

    /// <summary>Records the runtime's acknowledgement; false when it was already acknowledged.</summary>
    Task<bool> AcknowledgeAsync(string deliveryId, CancellationToken cancellationToken);
}
