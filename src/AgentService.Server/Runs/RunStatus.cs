namespace AgentService.Server.Runs;

/// <summary>Run lifecycle: queued → starting → running ⇄ waiting(reason) → completed | failed | cancelled.</summary>
internal static class RunStatus
{
    public const string Queued = "queued";
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Waiting = "waiting";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string TimedOut = "timed_out";

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled or TimedOut;
}
