namespace AgentService.Runtime;

/// <summary>
/// The connection ended for good: a fatal close code (4001 superseded, 4002 lease expired, 4003 attempt superseded,
/// 4401 unauthenticated), a fatal error reply, or a refused attach. Nothing more can be done on this attempt from
/// this process; pending calls, publishes and the delivery stream fail with this exception.
/// </summary>
public sealed class RuntimeConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RuntimeConnectionException()
        : base("The runtime connection ended.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RuntimeConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public RuntimeConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a close code or a fatal scope.</summary>
    public RuntimeConnectionException(string message, int? closeStatus, string? fatal, Exception? innerException = null)
        : base(message, innerException)
    {
        CloseStatus = closeStatus;
        Fatal = fatal;
    }

    /// <summary>The WebSocket close code that ended the connection, if it was a close.</summary>
    public int? CloseStatus { get; }

    /// <summary><c>connection</c>, <c>attempt</c> or <c>run</c>: what ended.</summary>
    public string? Fatal { get; }
}
