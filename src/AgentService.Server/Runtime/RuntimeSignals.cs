using System.Collections.Concurrent;
using AgentService.Server.Hosting;

namespace AgentService.Server.Runtime;

/// <summary>
/// Wake-ups between the parts of the runtime gateway: a new delivery for a run wakes the session that holds the run;
/// a newer attach closes the connection it superseded; appended events wake stream readers; work wakes waiting
/// workers. With several nodes on one database (<see cref="IClusterBroadcast"/>) what this node cannot act on itself
/// goes to the others, and <see cref="Receive"/> applies what they send.
/// </summary>
internal sealed class RuntimeSignals(IClusterBroadcast? cluster = null)
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

    /// <summary>Wakes the session that holds the run to send its pending deliveries: here, or on another node.</summary>
    public void DeliveriesAvailable(string runId)
    {
        if (!WakeDeliveries(runId))
        {
            cluster?.Send(new ClusterSignal(ClusterSignalKind.Deliveries, runId));
        }
    }

    private bool WakeDeliveries(string runId)
    {
        if (_byRun.TryGetValue(runId, out var session))
        {
            session.WakeDeliveries(runId);
            return true;
        }

        return false;
    }

    public bool IsAttached(string runId) => _byRun.ContainsKey(runId);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _work = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new(StringComparer.Ordinal);

    /// <summary>Events were stored for the run: wakes its live stream readers, on every node.</summary>
    public void EventsAppended(string runId)
    {
        WakeReaders(runId);
        cluster?.Send(new ClusterSignal(ClusterSignalKind.Events, runId));
    }

    private void WakeReaders(string runId)
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

    /// <summary>A run of the agent got work: wakes workers waiting to claim, on every node.</summary>
    public void WorkAvailable(string agentId)
    {
        WakeWorkers(agentId);
        cluster?.Send(new ClusterSignal(ClusterSignalKind.Work, agentId));
    }

    private void WakeWorkers(string agentId)
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

    /// <summary>Closes the socket of a connection superseded by a newer attach (4001) or whose attempt ended, on
    /// whichever node holds it.</summary>
    public void Close(string? connectionId, int closeCode, string reason)
    {
        if (connectionId is not null && !CloseHere(connectionId, closeCode, reason))
        {
            cluster?.Send(new ClusterSignal(ClusterSignalKind.Close, connectionId, $"{closeCode}|{reason}"));
        }
    }

    private bool CloseHere(string connectionId, int closeCode, string reason)
    {
        if (_byConnection.TryGetValue(connectionId, out var session))
        {
            session.RequestClose(closeCode, reason);
            return true;
        }

        return false;
    }

    /// <summary>Applies a signal another node sent.</summary>
    public void Receive(ClusterSignal signal)
    {
        switch (signal.Kind)
        {
            case ClusterSignalKind.Deliveries:
                WakeDeliveries(signal.Key);
                break;
            case ClusterSignalKind.Events:
                WakeReaders(signal.Key);
                break;
            case ClusterSignalKind.Work:
                WakeWorkers(signal.Key);
                break;
            case ClusterSignalKind.Close when signal.Detail?.Split('|', 2) is [var code, var reason] && int.TryParse(code, out var closeCode):
                CloseHere(signal.Key, closeCode, reason);
                break;
        }
    }

    /// <summary>After signals may have been missed (the listener reconnected): every session looks for deliveries
    /// and every reader and waiting worker looks again.</summary>
    public void WakeAll()
    {
        foreach (var (runId, _) in _byRun)
        {
            WakeDeliveries(runId);
        }

        foreach (var runId in _events.Keys)
        {
            WakeReaders(runId);
        }

        foreach (var agentId in _work.Keys)
        {
            WakeWorkers(agentId);
        }
    }
}
