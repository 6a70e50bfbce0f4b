namespace AgentService.Server.Storage;

/// <summary>How a delivery attempt ends.</summary>
internal enum DeliveryOutcome
{
    /// <summary>The webhook answered 2xx: the message is <c>sent</c> and leaves the outbox.</summary>
    Delivered,

    /// <summary>The push failed; it is tried again at <see cref="DeliveryUpdate.NextAttemptAt"/>.</summary>
    Retry,

    /// <summary>No push was made (the agent is offline or has no webhook); it waits until <see cref="DeliveryUpdate.NextAttemptAt"/>
    /// or until the agent comes back. Not counted as an attempt.</summary>
    Waiting,

    /// <summary>The push failed and is not tried again (a direct send): the message is <c>failed</c>.</summary>
    Failed,

    /// <summary>Not delivered before it expired: the message is <c>failed</c>; no push was made now.</summary>
    Expired,
}
