namespace AgentService.Server.Storage;

/// <summary>
/// A human-in-the-loop request of a run and its resolution. <see cref="Request"/> is the <c>interaction.requested</c>
/// data as sent; <see cref="Response"/> and <see cref="ResolvedBy"/> are JSON text.
/// </summary>
internal sealed record InteractionRecord(
    string RunId,
    string InteractionId,
    long Position,
    string Kind,
    bool Blocking,
    string Request,
    string Status,
    string? Outcome,
    string? Response,
    string? Reason,
    string? ResolvedBy,
    string? DeliveryId,
    DateTimeOffset? ExpiresAt,
    string OnExpiry,
    string RequestedAt,
    string? ResolvedAt)
{
    public const string Pending = "pending";
    public const string Resolved = "resolved";
}
