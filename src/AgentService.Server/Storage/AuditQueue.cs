using System.Collections.Concurrent;
using AgentService.Server.Observability;

namespace AgentService.Server.Storage;

/// <summary>
/// Audit entries waiting for the store's writer: the entries queued until the writer comes round go in with one write
/// operation, so auditing adds neither a commit nor a write per request. When that write fails because the store is
/// unreachable (<see cref="IStorageHealth.IsOutage"/>), its entries are held (the newest <see cref="MaxHeld"/>) and
/// written again every <see cref="RetryDelay"/> together with those queued meanwhile, so an outage of the database does
/// not leave holes in the audit log — the requests it refused are recorded too.
/// </summary>
internal sealed class AuditQueue(Func<Func<List<AuditEntry>>, Task> write, Func<Exception, bool> isOutage, ILogger logger)
{
    public const int MaxHeld = 100_000;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<AuditEntry> _pending = new();
    private readonly Lock _heldLock = new();
    private List<AuditEntry> _held = [];
    private int _flushScheduled;
    private int _outage;

    /// <summary>Queues the entry and starts a write unless one is already on its way.</summary>
    public void Enqueue(AuditEntry entry)
    {
        _pending.Enqueue(entry);
        if (Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            Flush();
        }
    }

    private void Flush()
    {
        // Drained once, when the writer comes round: if the store runs the write again, it inserts the same entries.
        List<AuditEntry>? drained = null;
        Task written;
        try
        {
            written = write(() => drained ??= Drain());
        }
        catch (Exception ex)
        {
            written = Task.FromException(ex);
        }

        _ = written.ContinueWith(task => Completed(task, drained), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Takes the held entries and every queued one. The flag is reset first: an entry queued from here on is either
    /// taken now or starts the next write.
    /// </summary>
    private List<AuditEntry> Drain()
    {
        Volatile.Write(ref _flushScheduled, 0);
        List<AuditEntry> drained;
        lock (_heldLock)
        {
            drained = _held;
            _held = [];
        }

        while (_pending.TryDequeue(out var entry))
        {
            drained.Add(entry);
        }

        return drained;
    }

    private void Completed(Task task, List<AuditEntry>? drained)
    {
        if (task.IsCompletedSuccessfully)
        {
            if (Interlocked.Exchange(ref _outage, 0) == 1 && drained is not null)
            {
                Log.AuditWrittenAfterOutage(logger, drained.Count);
            }

            return;
        }

        // A write can fail before the writer came round to take the entries (no connection to the store): then they are
        // still queued and this write still owns the flag, so nothing else will start the next one.
        var failure = task.Exception?.GetBaseException() ?? new OperationCanceledException();
        if (!isOutage(failure))
        {
            var lost = drained ?? Drain();
            Log.AuditWriteFailed(logger, lost.Count, failure);
            return;
        }

        int held;
        lock (_heldLock)
        {
            // Before whatever a later write has put back meanwhile: the entries stay in the order they were made.
            _held.InsertRange(0, drained ?? []);
            if (_held.Count > MaxHeld)
            {
                _held.RemoveRange(0, _held.Count - MaxHeld);
            }

            held = _held.Count + _pending.Count;
        }

        if (Interlocked.Exchange(ref _outage, 1) == 0)
        {
            Log.AuditHeldDuringOutage(logger, held, RetryDelay, failure.Message);
        }

        if (drained is null || Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            _ = Task.Delay(RetryDelay).ContinueWith(_ => Flush(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
