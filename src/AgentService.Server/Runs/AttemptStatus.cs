namespace AgentService.Server.Runs;

/// <summary>Attempt lifecycle: pending (process started, not attached) → active (attached) → lost | ended.</summary>
internal static class AttemptStatus
{
    public const string Pending = "pending";
    public const string Active = "active";
    public const string Lost = "lost";
    public const string Ended = "ended";
}
