using AgentService.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentService.Server.Tests;

/// <summary>
/// The audit queue against a store that fails on command: entries survive an outage of the store in order, whether the
/// store failed before or after taking them, and a failure that is not an outage never stops later entries.
/// </summary>
public sealed class AuditQueueTests
{
    private readonly Lock _lock = new();
    private readonly List<string> _stored = [];
    private Func<bool, Exception?> _failure = _ => null;
    private int _attempts;

    [Fact]
    public async Task Outage_BeforeTheEntriesAreTaken_TheyAreWrittenWhenTheStoreIsBack()
    {
        _failure = beforeTaking => beforeTaking ? new TimeoutException("no connection") : null;
        var queue = NewQueue();
        queue.Enqueue(Entry("one"));
        queue.Enqueue(Entry("two"));
        await Task.Delay(AuditQueue.RetryDelay / 2);
        Assert.Empty(Stored());

        _failure = _ => null;
        queue.Enqueue(Entry("three"));
        Assert.Equal(["one", "two", "three"], await StoredEventuallyAsync(3));
    }

    [Fact]
    public async Task Outage_AfterTheEntriesAreTaken_TheyAreWrittenAgainInOrder_WithThoseQueuedMeanwhile()
    {
        _failure = beforeTaking => beforeTaking ? null : new TimeoutException("connection lost before the commit");
        var queue = NewQueue();
        queue.Enqueue(Entry("one"));
        queue.Enqueue(Entry("two"));
        await Task.Delay(AuditQueue.RetryDelay / 2);
        queue.Enqueue(Entry("three"));
        Assert.Empty(Stored());

        _failure = _ => null;
        Assert.Equal(["one", "two", "three"], await StoredEventuallyAsync(3));
    }

    [Fact]
    public async Task FailureThatIsNotAnOutage_DropsThatWrite_AndLaterEntriesAreWritten()
    {
        _failure = beforeTaking => beforeTaking ? new InvalidOperationException("a defect") : null;
        var queue = NewQueue();
        queue.Enqueue(Entry("lost"));
        while (Volatile.Read(ref _attempts) == 0)
        {
            await Task.Delay(10);
        }

        await Task.Delay(50);

        _failure = _ => null;
        queue.Enqueue(Entry("after"));
        Assert.Equal(["after"], await StoredEventuallyAsync(1));
        await Task.Delay(AuditQueue.RetryDelay * 1.5);
        Assert.Equal(["after"], Stored());
    }

    private AuditQueue NewQueue() => new(
        take => Task.Run(() =>
        {
            var failure = _failure;
            Interlocked.Increment(ref _attempts);
            if (failure(true) is { } before)
            {
                throw before;
            }

            var entries = take();
            if (failure(false) is { } after)
            {
                throw after;
            }

            lock (_lock)
            {
                _stored.AddRange(entries.Select(e => e.Action));
            }
        }),
        ex => ex is TimeoutException,
        NullLogger.Instance);

    private static AuditEntry Entry(string action) => new(DateTimeOffset.UtcNow, "anonymous", action, null, "success", 200, null, null, null);

    private List<string> Stored()
    {
        lock (_lock)
        {
            return [.. _stored];
        }
    }

    private async Task<List<string>> StoredEventuallyAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Stored().Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return Stored();
    }
}
