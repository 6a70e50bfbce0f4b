namespace AgentService.Server.Storage;

/// <summary>A run: the execution of one task (its lifecycle, inputs and events). A task's main run has the task's id.</summary>
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
    DateTimeOffset UpdatedAt);
