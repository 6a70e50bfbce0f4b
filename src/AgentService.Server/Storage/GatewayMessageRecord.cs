namespace AgentService.Server.Storage;

/// <summary>A stored gateway message with its delivery state. <see cref="ConversationSeq"/> is its gap-free position
/// in its conversation (1, 2, ...). <see cref="NextAttemptAt"/> is set while it waits in the outbox (not while a push
/// of it is in flight).</summary>
internal sealed record GatewayMessageRecord(
    string MessageId,
    string ConversationId,
    long ConversationSeq,
    string FromAgentId,
    string ToAgentId,
    string Content,
    string Metadata,
    string Delivery,
    string Status,
    int Attempts,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? NextAttemptAt,
    string? Traceparent = null);
