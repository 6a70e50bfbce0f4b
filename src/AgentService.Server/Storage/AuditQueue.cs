using System.Collections.Concurrent;

namespace AgentService.Server.Storage;

/// <summary>
/// Audit entries waiting for the store's writer: each store inserts everything queued until its writer comes round
/// with one write operation, so auditing adds neither a commit nor a write per request.
/// </summary>
internal sealed class AuditQueue
{
    private readonly ConcurrentQueue<AuditEntry> _pending = new();
    private int _flushScheduled;

    /// <summary>Queues the entry; true when the caller must schedule a flush (none is scheduled yet).</summary>
    public bool Enqueue(AuditEntry entry)
    {
        _pending.Enqueue(entry);
        return Interlocked.Exchange(ref _flushScheduled, 1) == 0;
    }

    /// <summary>
    /// Takes every queued entry (the flush runs). The flag is reset first: an entry queued from here on is either
    /// taken now or schedules the next flush.
    /// </summary>
    public List<AuditEntry> Drain()
    {
        Volatile.Write(ref _flushScheduled, 0);
        var drained = new List<AuditEntry>();
        while (_pending.TryDequeue(out var entry))
        {
            drained.Add(entry);
        }

        return drained;
    }
}
