namespace AgentService.Server.Storage;

/// <summary>
/// A tool call's lifecycle record, projected from its <c>tool.call.*</c> events. <see cref="Position"/> is the log
/// position of its first event (the list order). JSON members (<see cref="Arguments"/>, <see cref="Result"/>,
/// <see cref="Error"/>, <see cref="ProviderRef"/>, <see cref="Progress"/>) are stored JSON text.
/// </summary>
internal sealed record ToolCallRecord(
    string ToolCallId,
    long Position,
    string? ToolName,
    string Status,
    string? Executor,
    string? Arguments,
    string? ArgumentsText,
    bool RequiresApproval,
    string? InteractionId,
    string? IdempotencyKey,
    string? ProviderRef,
    string? StepId,
    long ExecutionAttempt,
    string? Progress,
    string? Result,
    bool IsError,
    string? Error,
    string? FailureReason,
    long? DurationMs,
    string? RequestedAt,
    string? StartedAt,
    string? FinishedAt);
