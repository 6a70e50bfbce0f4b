namespace AgentService.Server.Storage;

/// <summary>One runtime process's try at a run, with the connection that currently holds its lease.</summary>
internal sealed record AttemptRecord(
    string AttemptId,
    string RunId,
    int Number,
    string Status,
    string? InstanceId,
    string? ConnectionId,
    long? ConnectionEpoch,
    string? Capabilities,
    DateTimeOffset? LeaseExpiresAt,
    long OutputSeq,
    string? ExitReason,
    DateTimeOffset CreatedAt);
