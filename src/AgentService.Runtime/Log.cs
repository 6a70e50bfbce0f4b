using Microsoft.Extensions.Logging;

namespace AgentService.Runtime;

/// <summary>All log messages of the SDK. Event ids: 1xx connection, 2xx requests, 3xx deliveries, 4xx output, 5xx hosting, 6xx worker.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Attached to run {RunId} (attempt {AttemptId}) as {RuntimeConnectionId}, epoch {Epoch}, reconnect {Reconnect}.")]
    public static partial void Attached(ILogger logger, string runId, string attemptId, string runtimeConnectionId, long epoch, bool reconnect);

    [LoggerMessage(101, LogLevel.Warning, "Runtime connection lost ({CloseStatus} {Description}); reconnecting.")]
    public static partial void ConnectionLost(ILogger logger, int? closeStatus, string? description, Exception? exception);

    [LoggerMessage(102, LogLevel.Warning, "Reconnect attempt {Attempt} failed; next in {Delay}.")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(103, LogLevel.Error, "Runtime connection ended for good: {Message}")]
    public static partial void ConnectionFailed(ILogger logger, string message, Exception? exception);

    [LoggerMessage(104, LogLevel.Warning, "Self-fenced: {Reason}. Work cancelled; no output until a re-attach succeeds.")]
    public static partial void Fenced(ILogger logger, string reason);

    [LoggerMessage(105, LogLevel.Warning, "Attach epoch {Epoch} was fenced (stored {StoredEpoch}); taking over with epoch {NextEpoch}.")]
    public static partial void EpochTakeover(ILogger logger, long epoch, long storedEpoch, long nextEpoch);

    [LoggerMessage(106, LogLevel.Warning, "Service node {From} could not be reached or dropped the connection; moving to {To}.")]
    public static partial void NodeSwitched(ILogger logger, Uri from, Uri to, Exception? exception);

    [LoggerMessage(200, LogLevel.Warning, "Request {Method} unanswered for {Timeout}; closing the socket (1011).")]
    public static partial void RequestTimedOut(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(201, LogLevel.Warning, "Service sent an unreadable frame; ignored.")]
    public static partial void BadFrame(ILogger logger, Exception? exception);

    [LoggerMessage(202, LogLevel.Debug, "Heartbeat accepted; next due {NextDueAt}.")]
    public static partial void HeartbeatAccepted(ILogger logger, DateTimeOffset nextDueAt);

    [LoggerMessage(203, LogLevel.Warning, "Heartbeat not accepted (lease lapsed); re-attaching.")]
    public static partial void HeartbeatRefused(ILogger logger);

    [LoggerMessage(300, LogLevel.Debug, "Delivery {DeliveryId} (run {RunId}, sequence {Sequence}) is a duplicate; acknowledged and dropped.")]
    public static partial void DuplicateDelivery(ILogger logger, string deliveryId, string runId, int? sequence);

    [LoggerMessage(301, LogLevel.Information, "Delivery {DeliveryId} (run {RunId}, sequence {Sequence}) expired; acknowledged, not applied.")]
    public static partial void ExpiredDelivery(ILogger logger, string deliveryId, string runId, int? sequence);

    [LoggerMessage(302, LogLevel.Warning, "Delivery refused: {Reason}.")]
    public static partial void DeliveryRefused(ILogger logger, string reason);

    [LoggerMessage(400, LogLevel.Warning, "Output batch of run {RunId} refused with sequence_gap; renumbering from {ExpectedSeq}.")]
    public static partial void SequenceGap(ILogger logger, string runId, int expectedSeq);

    [LoggerMessage(401, LogLevel.Warning, "Output batch of run {RunId} failed ({Reason}); retrying in {Delay}.")]
    public static partial void OutputRetry(ILogger logger, string runId, string reason, TimeSpan delay);

    [LoggerMessage(402, LogLevel.Error, "Output batch of run {RunId} refused ({Reason}); its events are dropped.")]
    public static partial void OutputRefused(ILogger logger, string runId, string reason, Exception exception);

    [LoggerMessage(5160, LogLevel.Error, "Local sub-run {RunId} failed.")]
    public static partial void SubRunFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(500, LogLevel.Error, "Step {StepId} failed.")]
    public static partial void StepFailed(ILogger logger, string stepId, Exception exception);

    [LoggerMessage(501, LogLevel.Information, "Idle for {IdleTimeout}; the runtime exits (the next input starts it again).")]
    public static partial void IdleExit(ILogger logger, TimeSpan idleTimeout);

    [LoggerMessage(502, LogLevel.Warning, "Work on delivery {DeliveryId} stopped by fencing; it is redone after re-attach.")]
    public static partial void WorkFenced(ILogger logger, string deliveryId);

    [LoggerMessage(600, LogLevel.Information, "Worker {WorkerId} claimed run {RunId} (attempt {AttemptId}).")]
    public static partial void Claimed(ILogger logger, string workerId, string runId, string attemptId);

    [LoggerMessage(601, LogLevel.Warning, "Claim failed; retrying in {Delay}.")]
    public static partial void ClaimFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(602, LogLevel.Error, "Run {RunId} ended with an error in worker {WorkerId}.")]
    public static partial void WorkerRunFailed(ILogger logger, string runId, string workerId, Exception exception);

    [LoggerMessage(603, LogLevel.Information, "Released run {RunId} (attempt {AttemptId}): its next input goes to the next claim.")]
    public static partial void Released(ILogger logger, string runId, string attemptId);

    [LoggerMessage(605, LogLevel.Information, "Local sub-run {RunId} is not alive at the service any more ({Reason}); it is no longer recovered here.")]
    public static partial void SubRunDropped(ILogger logger, string runId, string reason);

    [LoggerMessage(604, LogLevel.Warning, "Could not release run {RunId} ({Reason}); the service takes it back when its lease lapses.")]
    public static partial void ReleaseFailed(ILogger logger, string runId, string reason, Exception? exception);
}
