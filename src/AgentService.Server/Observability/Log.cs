namespace AgentService.Server.Observability;

/// <summary>Every log message of the server, with its event id. Ids: 1xxx hosting and errors, 2xxx storage, 3xxx execution,
/// 4xxx gateway, 5xxx runtime connections and launcher.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "AgentService listening; data dir {DataDir}, {AgentCount} agent(s), default agent '{DefaultAgent}'")]
    public static partial void Started(ILogger logger, string dataDir, int agentCount, string defaultAgent);

    [LoggerMessage(1001, LogLevel.Error, "Unhandled exception for {Method} {Path}")]
    public static partial void UnhandledException(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(1003, LogLevel.Warning, "The store is unavailable; answered {Method} {Path} with 503 ({Before} more answered 503 since the last of these warnings, at most one per 10 s): {Reason}")]
    public static partial void StoreUnavailable(ILogger logger, string method, string path, long before, string reason);

    [LoggerMessage(1007, LogLevel.Debug, "The store is unavailable; answered {Method} {Path} with 503: {Reason}")]
    public static partial void StoreStillUnavailable(ILogger logger, string method, string path, string reason);

    [LoggerMessage(1004, LogLevel.Warning, "The store is unavailable: {Work} waits for it, retrying ({Reason})")]
    public static partial void BackgroundWorkPaused(ILogger logger, string work, string reason);

    [LoggerMessage(1005, LogLevel.Debug, "The store is still unavailable: {Work} has failed {Rounds} rounds ({Reason})")]
    public static partial void BackgroundWorkStillPaused(ILogger logger, string work, int rounds, string reason);

    [LoggerMessage(1006, LogLevel.Information, "The store is back: {Work} resumed after {Rounds} failed rounds")]
    public static partial void BackgroundWorkResumed(ILogger logger, string work, int rounds);

    [LoggerMessage(1002, LogLevel.Debug, "Rejected request with status {StatusCode}: {Reason}")]
    public static partial void BadRequest(ILogger logger, int statusCode, string reason);

    [LoggerMessage(2000, LogLevel.Information, "Applied storage migration {Version}: {Name}")]
    public static partial void MigrationApplied(ILogger logger, int version, string name);

    [LoggerMessage(2100, LogLevel.Warning, "Listening for the other nodes' notifications on PostgreSQL failed; listening again in {Delay}")]
    public static partial void ListenFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(2101, LogLevel.Warning, "Notifying the other nodes of {Count} change(s) failed; they find them by their own checks")]
    public static partial void ClusterNotifyFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(2102, LogLevel.Warning, "Reading the {What} another node changed failed; this node sees it when it next reads it")]
    public static partial void RemoteReadFailed(ILogger logger, string what, Exception exception);

    [LoggerMessage(2002, LogLevel.Debug, "A PostgreSQL write batch of {Count} operation(s) failed; running them one by one")]
    public static partial void WriteBatchRetried(ILogger logger, int count, Exception exception);

    [LoggerMessage(2001, LogLevel.Error, "A storage write batch of {Count} operation(s) failed to commit")]
    public static partial void WriteBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(2003, LogLevel.Critical, "Rolling back a failed SQLite write batch failed; the next writes fail until the database is reopened")]
    public static partial void WriteRollbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(3000, LogLevel.Error, "Step {StepId} of task {TaskId} failed in agent '{AgentId}'")]
    public static partial void StepFailed(ILogger logger, string stepId, string taskId, string agentId, Exception exception);

    [LoggerMessage(3001, LogLevel.Information, "Resuming {Count} unfinished step(s) after start")]
    public static partial void ResumingSteps(ILogger logger, int count);

    [LoggerMessage(3002, LogLevel.Error, "Executing step {StepId} could not be recorded; it stays pending and is retried at the next start")]
    public static partial void StepNotRecorded(ILogger logger, string stepId, Exception exception);

    [LoggerMessage(4000, LogLevel.Information, "Gateway agent '{AgentId}' registered with webhook {WebhookUrl}")]
    public static partial void AgentRegistered(ILogger logger, string agentId, string? webhookUrl);

    [LoggerMessage(4001, LogLevel.Information, "Gateway agent '{AgentId}' unregistered")]
    public static partial void AgentUnregistered(ILogger logger, string agentId);

    [LoggerMessage(4002, LogLevel.Information, "{Count} gateway agent(s) marked offline after no heartbeat: {AgentIds}")]
    public static partial void AgentsWentOffline(ILogger logger, int count, string agentIds);

    [LoggerMessage(4003, LogLevel.Warning, "Push of message {MessageId} to agent '{AgentId}' failed (attempt {Attempt}): {Reason}")]
    public static partial void PushFailed(ILogger logger, string messageId, string agentId, int attempt, string reason);

    [LoggerMessage(4004, LogLevel.Warning, "Message {MessageId} to agent '{AgentId}' failed for good: {Reason}")]
    public static partial void MessageFailed(ILogger logger, string messageId, string agentId, string reason);

    [LoggerMessage(4005, LogLevel.Error, "The gateway outbox dispatcher failed; retrying")]
    public static partial void DispatcherFailed(ILogger logger, Exception exception);

    [LoggerMessage(4006, LogLevel.Error, "The gateway heartbeat sweep failed; retrying at the next interval")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(4007, LogLevel.Information, "Released {Count} gateway deliveries left in flight by the last stop; they are pushed again")]
    public static partial void LeasesReleased(ILogger logger, int count);

    [LoggerMessage(4008, LogLevel.Error, "Delivering message {MessageId} failed unexpectedly; it is retried when its lease ends")]
    public static partial void DeliveryError(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(5000, LogLevel.Information, "Runtime attached to run {RunId}, attempt {AttemptId}, connection {ConnectionId} (epoch {Epoch}, reconnect {Reconnect})")]
    public static partial void RuntimeAttached(ILogger logger, string runId, string attemptId, string connectionId, long epoch, bool reconnect);

    [LoggerMessage(5001, LogLevel.Error, "The delivery pump of run {RunId} failed")]
    public static partial void DeliveryPumpFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(5002, LogLevel.Information, "Started runtime process {ProcessId} for run {RunId}, attempt {AttemptId}: {Command}")]
    public static partial void RuntimeLaunched(ILogger logger, int processId, string runId, string attemptId, string command);

    [LoggerMessage(5003, LogLevel.Warning, "Runtime process of run {RunId}, attempt {AttemptId} exited with code {ExitCode}")]
    public static partial void RuntimeExited(ILogger logger, string runId, string attemptId, string exitCode);

    [LoggerMessage(5004, LogLevel.Error, "Could not start the runtime of run {RunId}: {Reason}")]
    public static partial void RuntimeLaunchFailed(ILogger logger, string runId, string reason, Exception? exception);

    [LoggerMessage(5005, LogLevel.Warning, "Attempt {AttemptId} of run {RunId} lost its lease")]
    public static partial void LeaseLost(ILogger logger, string runId, string attemptId);

    [LoggerMessage(5015, LogLevel.Debug, "Run {RunId} woken after a commit ({Status}): its dependencies completed or a child it awaits ended")]
    public static partial void RunWoken(ILogger logger, string runId, string status);

    [LoggerMessage(5016, LogLevel.Warning, "No runtime could be started for run {RunId} after a commit (the store did not answer for 15 s); a worker's next claim, the runtime's next attach, the run's next input or the node's restart starts it")]
    public static partial void RunWakeFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(5014, LogLevel.Error, "The end of attempt {AttemptId} of run {RunId} (its process exited) could not be recorded; its lease decides when the run gets a new runtime")]
    public static partial void RuntimeExitNotRecorded(ILogger logger, string runId, string attemptId, Exception exception);

    [LoggerMessage(5250, LogLevel.Error, "Starting the next runtime of run {RunId} after its connection ended failed")]
    public static partial void EnsureRuntimeFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(5650, LogLevel.Warning, "The default agent '{AgentId}' runs in-process (built-in echo) instead of as the EchoAgent runtime process: {Path}: {Problem}. Build src/AgentService.Server (it builds samples/EchoAgent into agents/echo/ beside it), set AgentService:EchoAgentPath, or set AgentService:DefaultAgent=builtin to choose the built-in echo")]
    public static partial void EchoAgentNotFound(ILogger logger, string agentId, string path, string problem);

    [LoggerMessage(5651, LogLevel.Information, "The default agent '{AgentId}' runs as a runtime process launched per run: {CommandLine}")]
    public static partial void EchoAgentProcess(ILogger logger, string agentId, string commandLine);

    [LoggerMessage(5006, LogLevel.Error, "Run {RunId} failed: {Reason}")]
    public static partial void RunFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(5007, LogLevel.Error, "Runtime command {Method} of run {RunId} failed")]
    public static partial void RuntimeCommandFailed(ILogger logger, string method, string runId, Exception exception);

    [LoggerMessage(5009, LogLevel.Warning, "Runtime command {Method} of run {RunId} answered unavailable: the store is unreachable ({Before} more answered so since the last of these warnings, at most one per 10 s) ({Reason})")]
    public static partial void RuntimeCommandUnavailable(ILogger logger, string method, string runId, long before, string reason);

    [LoggerMessage(5013, LogLevel.Debug, "Runtime command {Method} of run {RunId} answered unavailable: the store is unreachable ({Reason})")]
    public static partial void RuntimeCommandStillUnavailable(ILogger logger, string method, string runId, string reason);

    [LoggerMessage(5010, LogLevel.Warning, "The acknowledgement of delivery {DeliveryId} is held: the store is unreachable ({Reason}); writing it again every second")]
    public static partial void AcknowledgementHeld(ILogger logger, string deliveryId, string reason);

    [LoggerMessage(5011, LogLevel.Error, "The acknowledgement of delivery {DeliveryId} could not be written within {Seconds} s; the input will be delivered again")]
    public static partial void AcknowledgementLost(ILogger logger, string deliveryId, int seconds);

    [LoggerMessage(5012, LogLevel.Warning, "The output of run {RunId}, attempt {AttemptId} did not end within {Timeout} of its exit (a child process holds its pipes?); its log is closed without the rest")]
    public static partial void RuntimeOutputNotDrained(ILogger logger, string runId, string attemptId, TimeSpan timeout);

    [LoggerMessage(5008, LogLevel.Error, "Background work failed: {Work}; it tries again in {Delay}")]
    public static partial void LauncherSweepFailed(ILogger logger, string work, TimeSpan delay, Exception exception);
}
