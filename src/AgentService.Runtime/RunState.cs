using AgentService.Protocol.Runtime;
using AgentService.Runtime.Deliveries;

namespace AgentService.Runtime;

/// <summary>What the connection keeps per run bound to it (the main run and local sub-runs): the attempt, the delivery
/// tracker, and the output buffer with its gap-free seq. Guarded by the connection's lock.</summary>
internal sealed class RunState(string runId, string? attemptId, string rootRunId)
{
    public string RunId { get; } = runId;

    /// <summary>Known from the start for the main run; for a local sub-run from its first delivery.</summary>
    public string? AttemptId { get; set; } = attemptId;

    public string? SessionId { get; set; }

    public string RootRunId { get; set; } = rootRunId;

    public DeliveryTracker Tracker { get; } = new();

    /// <summary>The traceparent of the last delivery handed out (copied into events without their own).</summary>
    public string? TraceParent { get; set; }

    /// <summary>seq of the next event.</summary>
    public int NextSeq { get; set; } = 1;

    /// <summary>Stamped events not accepted yet, in seq order; the first batch of them may be in flight.</summary>
    public List<PendingEvent> Pending { get; } = [];

    public List<PublishWaiter> Waiters { get; } = [];

    public long NextOrdinal { get; set; }

    public bool Pumping { get; set; }

    /// <summary>A local sub-run that published run.finished is released once that is accepted.</summary>
    public bool Finished { get; set; }
}
