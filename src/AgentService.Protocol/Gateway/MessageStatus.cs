namespace AgentService.Protocol.Gateway;

/// <summary>The <c>status</c> values of a message: <c>queued → sent | failed</c>.</summary>
public static class MessageStatus
{
    /// <summary>Stored, not delivered yet (being pushed, waiting for a retry, or for its agent to come online).</summary>
    public const string Queued = "queued";

    /// <summary>The target's webhook answered 2xx.</summary>
    public const string Sent = "sent";

    /// <summary>Not delivered: the direct push failed, or a queued message expired. <c>last_error</c> says why.</summary>
    public const string Failed = "failed";
}
