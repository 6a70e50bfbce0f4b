namespace AgentService.Server.Observability;

/// <summary>Messages of the run event model (interactions, checkpoints): ids 5100–5149.</summary>
internal static partial class Log
{
    [LoggerMessage(5100, LogLevel.Information, "Interaction {InteractionId} of run {RunId} resolved: {Outcome}")]
    public static partial void InteractionResolved(ILogger logger, string runId, string interactionId, string outcome);

    [LoggerMessage(5101, LogLevel.Error, "Resolving expired interactions failed; the next sweep retries")]
    public static partial void InteractionSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(5102, LogLevel.Information, "Run {RunId} resumes from checkpoint {CheckpointId} at input cursor {InputCursor}")]
    public static partial void ResumingFromCheckpoint(ILogger logger, string runId, string checkpointId, long inputCursor);
}
