namespace AgentService.Server.Storage;

/// <summary>A message accepted by <c>POST /gateway/send</c>. <see cref="Content"/> is the JSON text of the normalized
/// parts array and <see cref="Metadata"/> of an object.</summary>
internal sealed record NewGatewayMessage(
    string MessageId,
    string ConversationId,
    string FromAgentId,
    string ToAgentId,
    string Content,
    string Metadata,
    string Delivery,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? Traceparent = null);
