using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using AgentService.Server.Hosting;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>
/// The token buckets of the HTTP rate limits, one per partition (<c>key:…</c>, <c>run:…</c>, <c>addr:…</c>,
/// <c>agent:…</c>). On one node they are plain token buckets. With several nodes (PostgreSQL) every node tells the
/// others, every <see cref="FlushInterval"/>, how many requests each of its buckets let through, and takes as many
/// tokens out of its own bucket for that partition when it hears of theirs: a key's budget is the cluster's, not each
/// node's, give or take what the nodes admit within one interval before they hear of each other.
/// </summary>
internal sealed class SharedRateBuckets(IOptions<RateLimitOptions> options, TimeProvider time, IClusterBroadcast? cluster = null) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Partitions of an agent's bucket start with this (<c>AgentService:RateLimits:PerAgent</c>); all others
    /// are per key (<c>PerKey</c>).</summary>
    public const string AgentPrefix = "agent:";

    /// <summary>A bucket made only for what other nodes admitted goes once it has been full this long.</summary>
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(10);

    /// <summary>Characters of one report before it is sent (a partition line is at most a few hundred more).</summary>
    private const int MaxReport = 6000;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>The partition of <paramref name="key"/> for ASP.NET Core's partitioned limiter: its bucket, or no limit
    /// when its settings have a rate of 0.</summary>
    public RateLimitPartition<string> Partition(string key) =>
        Settings(key).TokensPerSecond <= 0 ? RateLimitPartition.GetNoLimiter(key) : RateLimitPartition.Get(key, Create);

    /// <summary>The limiter of a partition (the partitioned limiter disposes it once idle).</summary>
    public RateLimiter Create(string key)
    {
        while (true)
        {
            var bucket = _buckets.GetOrAdd(key, NewBucket);
            if (bucket.TryHandOut())
            {
                return bucket;
            }

            _buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket));
        }
    }

    /// <summary>Another node's report (<see cref="ClusterSignal.Detail"/> of a <see cref="ClusterSignalKind.RateUsage"/>):
    /// lines of <c>partition count</c>, what it let through of each since its last report.</summary>
    public void ApplyRemote(string? report)
    {
        foreach (var line in (report ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.LastIndexOf(' ');
            if (space <= 0 || !int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
            {
                continue;
            }

            var key = line[..space];
            if (Settings(key).TokensPerSecond > 0)
            {
                // A partition this node has not seen yet gets its bucket now, so that its first request here meets the
                // others' use.
                _buckets.GetOrAdd(key, NewBucket).Take(count);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (cluster is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush(cluster);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Flush(IClusterBroadcast broadcast)
    {
        // One notification carries many partitions (a NOTIFY payload holds under 8,000 bytes): a busy node sends a few
        // per interval, not one per key.
        var report = new System.Text.StringBuilder();
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.TakeAdmitted() is var admitted and > 0)
            {
                report.Append(key).Append(' ').Append(admitted.ToString(CultureInfo.InvariantCulture)).Append('\n');
                if (report.Length > MaxReport)
                {
                    Send(broadcast, report);
                }
            }

            if (bucket.IsDisposed || bucket.IsUnusedFor(IdleLimit))
            {
                if (_buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket)) && !bucket.IsDisposed)
                {
                    bucket.Dispose();
                }
            }
        }

        Send(broadcast, report);
    }

    private void Send(IClusterBroadcast broadcast, System.Text.StringBuilder report)
    {
        if (report.Length > 0)
        {
            // The sequence keeps two equal reports apart (the sender folds identical payloads).
            broadcast.Send(new ClusterSignal(ClusterSignalKind.RateUsage, Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture), report.ToString()));
            report.Clear();
        }
    }

    private Bucket NewBucket(string key) => new(Settings(key).ToLimiterOptions());

    private RateLimitOptions.TokenBucket Settings(string key) =>
        key.StartsWith(AgentPrefix, StringComparison.Ordinal) ? options.Value.PerAgent : options.Value.PerKey;

    /// <summary>A token bucket that counts what it lets through, and can be drained of what other nodes let through.</summary>
    private sealed class Bucket(TokenBucketRateLimiterOptions settings) : RateLimiter
    {
        private readonly TokenBucketRateLimiter _inner = new(settings);
        private readonly Lock _lock = new();
        private int _admitted;
        private bool _handedOut;
        private volatile bool _disposed;

        public bool IsDisposed => _disposed;

        public override TimeSpan? IdleDuration => _inner.IdleDuration;

        /// <summary>Marks the bucket as the partitioned limiter's; false once it is disposed (a new one is needed).</summary>
        public bool TryHandOut()
        {
            lock (_lock)
            {
                _handedOut = !_disposed;
                return _handedOut;
            }
        }

        /// <summary>Made for remote use only, never handed out, and full for <paramref name="limit"/>.</summary>
        public bool IsUnusedFor(TimeSpan limit)
        {
            lock (_lock)
            {
                return !_handedOut && _inner.IdleDuration is { } idle && idle > limit;
            }
        }

        public int TakeAdmitted() => Interlocked.Exchange(ref _admitted, 0);

        public void Take(int count)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                var available = _inner.GetStatistics()?.CurrentAvailablePermits ?? 0;
                var taken = (int)Math.Min(count, available);
                if (taken > 0)
                {
                    _inner.AttemptAcquire(taken).Dispose();
                }
            }
        }

        public override RateLimiterStatistics? GetStatistics() => _inner.GetStatistics();

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => Count(_inner.AttemptAcquire(permitCount), permitCount);

        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            Count(await _inner.AcquireAsync(permitCount, cancellationToken).ConfigureAwait(false), permitCount);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                lock (_lock)
                {
                    _disposed = true;
                    _inner.Dispose();
                }
            }

            base.Dispose(disposing);
        }

        private RateLimitLease Count(RateLimitLease lease, int permits)
        {
            if (lease.IsAcquired && permits > 0)
            {
                Interlocked.Add(ref _admitted, permits);
            }

            return lease;
        }
    }
}
