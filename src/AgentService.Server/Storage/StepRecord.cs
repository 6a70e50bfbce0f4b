namespace AgentService.Server.Storage;

/// <summary>A stored step. <see cref="Seq"/> is its gap-free position among its task's steps (1, 2, ...).</summary>
internal sealed record StepRecord(
    string StepId,
    string TaskId,
    long Seq,
    string? Input,
    string? AdditionalInput,
    string? Name,
    string Status,
    string? Output,
    string? AdditionalOutput,
    bool IsLast,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
