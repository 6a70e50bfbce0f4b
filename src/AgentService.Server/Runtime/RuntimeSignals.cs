using System.Collections.Concurrent;

namespace AgentService.Server.Runtime;

/// <summary>
/// In-process wake-ups between the parts of the runtime gateway: a new delivery for a run wakes the session that
/// holds the run; a newer attach closes the connection it superseded.
/// </summary>
internal sealed class RuntimeSignals
{
    private readonly ConcurrentDictionary<string, RuntimeSession> _byRun = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RuntimeSession> _byConnection = new(StringComparer.Ordinal);

    public void Bind(string runId, string connectionId, RuntimeSession session)
    {
        _byRun[runId] = session;
        _byConnection[connectionId] = session;
    }

    public void Unbind(string runId, string connectionId, RuntimeSession session)
    {
        _byRun.TryRemove(new KeyValuePair<string, RuntimeSession>(runId, session));
        _byConnection.TryRemove(new KeyValuePair<string, RuntimeSession>(connectionId, session));
    }

    /// <summary>A local sub-run is held by its parent's session (its deliveries go over that connection).</summary>
    public void BindSubRun(string runId, RuntimeSession session) => _byRun[runId] = session;

    public void UnbindSubRun(string runId, RuntimeSession session) => _byRun.TryRemove(new KeyValuePair<string, RuntimeSession>(runId, session));

    /// <summary>Wakes the session that holds the run, if any, to send its pending deliveries.</summary>
    public void DeliveriesAvailable(string runId)
    {
        if (_byRun.TryGetValue(runId, out var session))
        {
            session.WakeDeliveries(runId);
        }
    }

    public bool IsAttached(string runId) => _byRun.ContainsKey(runId);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _work = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new(StringComparer.Ordinal);

    /// <summary>Events were stored for the run: wakes its live stream readers.</summary>
    public void EventsAppended(string runId)
    {
        if (_events.TryRemove(runId, out var readers))
        {
            readers.TrySetResult();
        }
    }

    /// <summary>Completes at the next <see cref="EventsAppended"/> for the run (or when <paramref name="timeout"/> passes).
    /// Callers read the log after registering, so an append between their read and this wait is never missed.</summary>
    public Task EventsTask(string runId) =>
        _events.GetOrAdd(runId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>A run of the agent got work: wakes workers waiting to claim.</summary>
    public void WorkAvailable(string agentId)
    {
        if (_work.TryRemove(agentId, out var waiters))
        {
            waiters.TrySetResult();
        }
    }

    /// <summary>Completes at the next <see cref="WorkAvailable"/> for the agent (or when <paramref name="timeout"/> passes).</summary>
    public async Task WaitForWorkAsync(string agentId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiters = _work.GetOrAdd(agentId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await waiters.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Closes the socket of a connection superseded by a newer attach (4001) or whose attempt ended.</summary>
    public void Close(string? connectionId, int closeCode, string reason)
    {
        if (connectionId is not null && _byConnection.TryGetValue(connectionId, out var session))
        {
            session.RequestClose(closeCode, reason);
        }
    }
}
