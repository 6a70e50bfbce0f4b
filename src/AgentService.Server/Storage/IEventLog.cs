namespace AgentService.Server.Storage;

/// <summary>The append-only event log of runs, with the projections that keep the Agent Protocol view current.</summary>
internal interface IEventLog
{
    /// <summary>Stores a validated batch of runtime events of one attempt and applies the projections, all in one
    /// transaction. Events already stored (same run and id) are skipped.</summary>
    Task<AppendResult> AppendAsync(string runId, string attemptId, IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken);

    /// <summary>Events of the run after <paramref name="afterPosition"/>, in order.</summary>
    Task<IReadOnlyList<StoredEvent>> ListAsync(string runId, long afterPosition, int limit, CancellationToken cancellationToken);
}

/// <summary>An event as received: envelope fields the log needs, and the JSON to store.</summary>
internal sealed record IncomingEvent(string EventId, string Type, long Seq, string Time, string? StepId, string Body, System.Text.Json.JsonElement Data);

/// <summary>What a batch did: a seq problem (1020 with the expected seq, or a reused seq), an event the run's state
/// refuses (<see cref="Refusal"/>: nothing was stored), new events for a run that is already finished
/// (<see cref="FinishedRunStatus"/>: nothing was stored), or the steps it completed.</summary>
internal sealed record AppendResult(long? ExpectedSeq, string? ReusedSeqEventId, IReadOnlyList<CompletedStep> CompletedSteps, string? RunStatus, string? Refusal = null,
    string? FinishedRunStatus = null)
{
    /// <summary>Why the events' attempt takes no more events (it was lost, ended or handed over), when it does not.</summary>
    public string? AttemptOver { get; init; }
}
