namespace AgentService.Server.Observability;

/// <summary>Sub-run messages (ids 5150-5199).</summary>
internal static partial class Log
{
    [LoggerMessage(5150, LogLevel.Information, "Run {RunId} spawned sub-run {ChildRunId} ({Hosting}, agent '{AgentId}')")]
    public static partial void SubRunSpawned(ILogger logger, string runId, string childRunId, string hosting, string agentId);

    [LoggerMessage(5151, LogLevel.Information, "Local sub-run {ChildRunId} bound to connection {ConnectionId}")]
    public static partial void SubRunBound(ILogger logger, string childRunId, string connectionId);

    [LoggerMessage(5152, LogLevel.Warning, "Local sub-run {ChildRunId} was not recovered after a reconnect: its attempt is lost")]
    public static partial void SubRunNotRecovered(ILogger logger, string childRunId);

    [LoggerMessage(5153, LogLevel.Information, "Cancel of run {RunId} cascaded to {Count} sub-run(s)")]
    public static partial void CancelCascaded(ILogger logger, string runId, int count);

    [LoggerMessage(5154, LogLevel.Information, "Local sub-run {ChildRunId} taken over by attempt {HostAttemptId} as attempt {AttemptId}")]
    public static partial void SubRunTakenOver(ILogger logger, string childRunId, string attemptId, string hostAttemptId);

    [LoggerMessage(5155, LogLevel.Warning, "Local sub-run {ChildRunId} fails: {Reason}")]
    public static partial void SubRunNotTakenOver(ILogger logger, string childRunId, string reason);
}
