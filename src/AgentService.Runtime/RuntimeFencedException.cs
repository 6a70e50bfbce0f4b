namespace AgentService.Runtime;

/// <summary>
/// The runtime has fenced itself: its lease lapsed on the local monotonic clock, or a heartbeat was not accepted
/// (PROTOCOL.md section 5). Side effects and output are refused until a re-attach succeeds. It is an
/// <see cref="OperationCanceledException"/> so that code cancelled by the work token handles both the same way.
/// </summary>
public sealed class RuntimeFencedException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public RuntimeFencedException()
        : base("The runtime is fenced (its lease may have lapsed); no side effects until it re-attaches.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RuntimeFencedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public RuntimeFencedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
