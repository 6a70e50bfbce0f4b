namespace AgentService.Server.Storage;

/// <summary>A stored task. <see cref="Seq"/> is its gap-free position among its agent's tasks (1, 2, ...).</summary>
internal sealed record TaskRecord(
    string TaskId,
    string AgentId,
    long Seq,
    string? Input,
    string? AdditionalInput,
    DateTimeOffset CreatedAt);
