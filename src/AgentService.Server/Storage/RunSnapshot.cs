namespace AgentService.Server.Storage;

/// <summary>
/// A run's projection read in one read transaction, with the log position it reflects (<see cref="Watermark"/>):
/// every event at or below it is included, none above. <see cref="Messages"/> and <see cref="TodoLists"/> are the
/// stored JSON of <c>message.completed</c> data and of each list's latest <c>todo.updated</c> data.
/// </summary>
internal sealed record RunSnapshot(
    RunRecord Run,
    long Watermark,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<(long Position, string Data)> Messages,
    IReadOnlyList<(string MessageId, string Text, long Position)> StreamingMessages,
    IReadOnlyList<ToolCallRecord> ToolCalls,
    IReadOnlyList<InteractionRecord> Interactions,
    IReadOnlyList<(long Position, string Data)> TodoLists,
    IReadOnlyList<ArtifactRecord> Artifacts,
    IReadOnlyList<SnapshotChild> Children,
    CheckpointRecord? LatestCheckpoint,
    IReadOnlyList<RunDependency> Dependencies);

/// <summary>A sub-run as a snapshot shows it: its status at the read, and the runs it waits for before it starts (its
/// spawn's <c>dependsOn</c>), so a UI can draw the children's graph from the snapshot alone.</summary>
internal sealed record SnapshotChild(string RunId, string Status, IReadOnlyList<string> DependsOn);
