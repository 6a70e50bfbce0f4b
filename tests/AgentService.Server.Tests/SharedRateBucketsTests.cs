using AgentService.Server.Hosting;
using AgentService.Server.Security;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Tests;

public sealed class SharedRateBucketsTests
{
    private static SharedRateBuckets Buckets(IClusterBroadcast? cluster = null) => new(
        Options.Create(new RateLimitOptions
        {
            PerKey = new() { TokensPerSecond = 1, Burst = 5 },
            PerAgent = new() { TokensPerSecond = 0, Burst = 0 },
        }),
        TimeProvider.System,
        cluster);

    [Fact]
    public void AnotherNodesReport_TakesWhatItAdmittedOutOfTheSameBucket_AndSkipsWhatItCannotRead()
    {
        var buckets = Buckets();
        var key = buckets.Create("key:k1");
        buckets.ApplyRemote("key:k1 3\nnot a line\nkey:k1 -2\nkey:k1 x\n\nagent:a 4");

        Assert.Equal(2, key.GetStatistics()!.CurrentAvailablePermits);
        Assert.True(key.AttemptAcquire(2).IsAcquired);
        Assert.False(key.AttemptAcquire(1).IsAcquired);
    }

    [Fact]
    public void AReportForAKeyNotSeenHere_IsWaitingForItsFirstRequest()
    {
        var buckets = Buckets();
        buckets.ApplyRemote("key:new 5");

        Assert.False(buckets.Create("key:new").AttemptAcquire(1).IsAcquired);
    }

    [Fact]
    public async Task WhatTheBucketsLetThrough_IsReportedToTheOtherNodes_EachReportUnique()
    {
        var sent = new System.Collections.Concurrent.ConcurrentQueue<ClusterSignal>();
        var buckets = Buckets(new Recorder(sent));
        await buckets.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(buckets.Create("key:a").AttemptAcquire(2).IsAcquired);
            Assert.True(buckets.Create("key:b").AttemptAcquire(1).IsAcquired);
            // (The two may fall into one report or into two.)
            string[] Lines() => [.. sent.SelectMany(s => s.Detail!.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Order(StringComparer.Ordinal)];
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (Lines().Length < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.All(sent, s => Assert.Equal(ClusterSignalKind.RateUsage, s.Kind));
            Assert.Equal(["key:a 2", "key:b 1"], Lines());
            Assert.Equal(sent.Count, sent.Select(s => s.Key).Distinct().Count());
        }
        finally
        {
            await buckets.StopAsync(CancellationToken.None);
        }
    }

    private sealed class Recorder(System.Collections.Concurrent.ConcurrentQueue<ClusterSignal> sent) : IClusterBroadcast
    {
        public void Send(ClusterSignal signal) => sent.Enqueue(signal);
    }
}
