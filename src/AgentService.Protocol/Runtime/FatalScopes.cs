namespace AgentService.Protocol.Runtime;

/// <summary>Values of <c>error.data.fatal</c>: what an error ends.</summary>
public static class FatalScopes
{
    /// <summary>The connection (socket) must stop.</summary>
    public const string Connection = "connection";

    /// <summary>The attempt is lost; the process must stop working on it.</summary>
    public const string Attempt = "attempt";

    /// <summary>The run is terminal.</summary>
    public const string Run = "run";
}
