namespace AgentService.Runtime;

/// <summary>Where a <see cref="RuntimeConnection"/> is in its life.</summary>
public enum RuntimeConnectionState
{
    /// <summary>Connecting or attaching for the first time.</summary>
    Connecting,

    /// <summary>Attached (and recovered after a reconnect): requests flow.</summary>
    Attached,

    /// <summary>The socket is gone; reconnecting with backoff. Unanswered requests wait.</summary>
    Reconnecting,

    /// <summary>Self-fenced: no side effects or output until a re-attach succeeds.</summary>
    Fenced,

    /// <summary>Ended for good (fatal close or error, or disposed).</summary>
    Closed,
}
