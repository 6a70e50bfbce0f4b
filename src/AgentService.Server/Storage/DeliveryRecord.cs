namespace AgentService.Server.Storage;

/// <summary>A durable input for a run: stored before it is sent, resent until the runtime acknowledges it.</summary>
internal sealed record DeliveryRecord(
    string DeliveryId,
    string RunId,
    long Sequence,
    string Kind,
    string Payload,
    string Status,
    int DeliveryCount,
    string Traceparent,
    DateTimeOffset CreatedAt);
