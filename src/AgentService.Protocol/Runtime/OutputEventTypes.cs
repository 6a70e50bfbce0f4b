namespace AgentService.Protocol.Runtime;

/// <summary>Known output event types (output-event.json knownEventType).</summary>
public static class OutputEventTypes
{
#pragma warning disable CS1591 // The names are the documentation.
    public const string RunStarted = "run.started";
    public const string RunStatusChanged = "run.status.changed";
    public const string RunFinished = "run.finished";
    public const string StepStarted = "step.started";
    public const string StepFinished = "step.finished";
    public const string MessageStarted = "message.started";
    public const string MessageDelta = "message.delta";
    public const string MessageCompleted = "message.completed";
    public const string ReasoningStarted = "reasoning.started";
    public const string ReasoningDelta = "reasoning.delta";
    public const string ReasoningCompleted = "reasoning.completed";
    public const string ToolCallRequested = "tool.call.requested";
    public const string ToolCallArgumentsDelta = "tool.call.arguments.delta";
    public const string ToolCallStarted = "tool.call.started";
    public const string ToolCallProgress = "tool.call.progress";
    public const string ToolCallCompleted = "tool.call.completed";
    public const string ToolCallFailed = "tool.call.failed";
    public const string InteractionRequested = "interaction.requested";
    public const string InteractionResolved = "interaction.resolved";
    public const string ArtifactCreated = "artifact.created";
    public const string CheckpointSaved = "checkpoint.saved";
    public const string TodoUpdated = "todo.updated";
    public const string SubrunSpawned = "subrun.spawned";
    public const string SubrunLinked = "subrun.linked";
    public const string LogEmitted = "log.emitted";
    public const string MetricRecorded = "metric.recorded";
    public const string ErrorOccurred = "error.occurred";
    public const string ProviderRaw = "provider.raw";
#pragma warning restore CS1591

    /// <summary>The CloudEvents spec version of every event.</summary>
    public const string SpecVersion = "1.0";

    /// <summary>True for the types that must carry <c>ephemeral: true</c>.</summary>
    public static bool IsEphemeral(string type) =>
        type is MessageDelta or ReasoningDelta or ToolCallArgumentsDelta or ToolCallProgress or ProviderRaw;
}
