namespace AgentService.Server.Hosting;

/// <summary>
/// Tells the other nodes sharing the database about a change one of them may have to act on: the runtime holding a
/// run is attached elsewhere, a request waits for a step elsewhere, a stream reader follows a run elsewhere. Sent
/// after the change is committed; a node that misses one (its listener reconnecting) re-checks what it waits for.
/// </summary>
internal interface IClusterBroadcast
{
    void Send(ClusterSignal signal);
}

/// <summary>One signal: what happened (<see cref="Kind"/>) to which id, with a detail for some kinds.</summary>
internal readonly record struct ClusterSignal(ClusterSignalKind Kind, string Key, string? Detail = null)
{
    private const char Separator = '|';

    public string Encode() => Detail is null ? $"{(char)Kind}{Separator}{Key}" : $"{(char)Kind}{Separator}{Key}{Separator}{Detail}";

    public static bool TryDecode(string text, out ClusterSignal signal)
    {
        var parts = text.Split(Separator, 3);
        signal = default;
        if (parts.Length < 2 || parts[0].Length != 1 || !Enum.IsDefined((ClusterSignalKind)parts[0][0]))
        {
            return false;
        }

        signal = new ClusterSignal((ClusterSignalKind)parts[0][0], parts[1], parts.Length == 3 ? parts[2] : null);
        return true;
    }
}

internal enum ClusterSignalKind
{
    /// <summary>The run has new deliveries (key: run id).</summary>
    Deliveries = 'd',

    /// <summary>Events were appended to the run's log (key: run id).</summary>
    Events = 'e',

    /// <summary>A run of the agent has work for a worker (key: agent id).</summary>
    Work = 'w',

    /// <summary>Close a runtime connection (key: connection id; detail: <c>code|reason</c>).</summary>
    Close = 'c',

    /// <summary>A step completed (key: task id; detail: step id).</summary>
    Step = 's',

    /// <summary>An agent registered through the gateway (key: agent id): it gets the Agent Protocol routes everywhere.</summary>
    Agent = 'a',

    /// <summary>What a node's rate-limit buckets let through (key: a sequence number; detail: lines of <c>partition count</c>).</summary>
    RateUsage = 'r',
}
