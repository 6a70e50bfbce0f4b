namespace AgentService.Server.Storage;

/// <summary>
/// How the service resolves an interaction: <see cref="Outcome"/> goes into <c>interaction.resolved</c>, and
/// <see cref="DeliveryOutcome"/> into the <c>interaction.response</c> delivery to the runtime (they differ for an
/// expiry: resolved <c>expired</c>, delivered as the default outcome). <see cref="CancelRun"/> also stores a
/// <c>cancel</c> delivery (an expiry with <c>onExpiry: cancel_run</c>). <see cref="Traceparent"/>: the answering request's,
/// carried by the event and the delivery (a new trace when none, e.g. an expiry).
/// </summary>
internal sealed record InteractionResolution(
    string RunId,
    string InteractionId,
    string Outcome,
    string DeliveryOutcome,
    string? Response,
    string? Reason,
    string ResolvedBy,
    bool CancelRun,
    string? Traceparent = null);
