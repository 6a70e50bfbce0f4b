namespace AgentService.Server.Storage;

/// <summary>Work was offered to a run that has ended (completed, failed, cancelled, timed out): nothing would run it,
/// so nothing of it was stored.</summary>
internal sealed class RunEndedException(string runId, string status)
    : InvalidOperationException($"Run {runId} has ended ({status}).")
{
    public string RunId { get; } = runId;

    public string Status { get; } = status;
}
