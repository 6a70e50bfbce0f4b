namespace AgentService.Server.Storage;

/// <summary>A run: the execution of one task (its lifecycle, inputs and events). A task's main run has the task's id.
/// A sub-run has its parent's links: <see cref="Hosting"/> <c>local</c> (run by the parent's runtime, attempt
/// <see cref="HostAttemptId"/>) or <c>service</c> (its own runtime); <see cref="Awaited"/> when the parent waits for it.</summary>
internal sealed record RunRecord(
    string RunId,
    string AgentId,
    string SessionId,
    string? ParentRunId,
    string RootRunId,
    string Status,
    string? WaitingFor,
    int AttemptCount,
    long EventCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Hosting = null,
    string? HostAttemptId = null,
    string? Relation = null,
    bool Awaited = false,
    string? ParentToolCallId = null,
    string? Traceparent = null);
