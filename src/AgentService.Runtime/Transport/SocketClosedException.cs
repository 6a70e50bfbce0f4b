namespace AgentService.Runtime.Transport;

/// <summary>A request's socket closed before its reply came; the request stays unanswered and is resent after re-attach.</summary>
internal sealed class SocketClosedException : Exception
{
    public SocketClosedException()
        : base("The runtime socket closed before the reply came.")
    {
    }

    public SocketClosedException(string message)
        : base(message)
    {
    }

    public SocketClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
