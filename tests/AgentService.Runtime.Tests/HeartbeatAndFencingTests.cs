using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Events;
using AgentService.Runtime.Tests.Infrastructure;
using AgentService.Tests.Common;

namespace AgentService.Runtime.Tests;

public sealed class HeartbeatAndFencingTests : RuntimeTestBase
{
    private static string Due(DateTimeOffset at) => $$"""{"accepted":true,"nextHeartbeatDueAt":"{{UtcTimestampConverter.ToWire(at)}}"}""";

    [Fact]
    public async Task Heartbeat_FollowsNextHeartbeatDueAt_AndBeatsAtLeastEveryInterval()
    {
        var clock = new ManualClock();
        var (connection, socket) = await ConnectAsync(Options(clock), heartbeatIntervalMs: 10000);
        await using var _1 = connection;
        var attachedAt = clock.GetUtcNow();

        await clock.WaitForTimerAtAsync(attachedAt.AddSeconds(10));
        Assert.False(socket.HasPendingRequest);
        clock.Advance(TimeSpan.FromSeconds(10));
        var first = await socket.ReceiveRequestAsync(RuntimeMethods.Heartbeat);
        Assert.Equal(JsonShape.Of(JsonShape.Load("frame-04-runtime.connection.heartbeat.command.json")), JsonShape.Of(first));
        Assert.Equal(Ids.Connection1, first.GetProperty("params").GetProperty("runtimeConnectionId").GetString());
        Assert.Equal(Ids.Instance, first.GetProperty("params").GetProperty("runtimeInstanceId").GetString());

        // The service asks for the next one in 3 s: the SDK schedules it exactly then.
        var due = clock.GetUtcNow().AddSeconds(3);
        await socket.ReplyAsync(first, Due(due));
        await clock.WaitForTimerAtAsync(due);
        Assert.False(socket.HasPendingRequest);
        clock.Advance(TimeSpan.FromSeconds(3));
        var second = await socket.ReceiveRequestAsync(RuntimeMethods.Heartbeat);

        // Asked for 25 s later, it still beats within one interval.
        await socket.ReplyAsync(second, Due(clock.GetUtcNow().AddSeconds(25)));
        await clock.WaitForTimerAtAsync(clock.GetUtcNow().AddSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(10));
        await socket.ReceiveRequestAsync(RuntimeMethods.Heartbeat);
        Assert.Equal(RuntimeConnectionState.Attached, connection.State);
    }

    [Fact]
    public async Task Heartbeat_NotAccepted_FencesThenReattachesWithAHigherEpochAndRecoversFirst()
    {
        var clock = new ManualClock();
        var (connection, socket) = await ConnectAsync(Options(clock));
        await using var _1 = connection;
        var work = connection.WorkToken;

        clock.Advance(TimeSpan.FromSeconds(10));
        var heartbeat = await socket.ReceiveRequestAsync(RuntimeMethods.Heartbeat);
        await socket.ReplyAsync(heartbeat, $$"""{"accepted":false,"nextHeartbeatDueAt":"{{UtcTimestampConverter.ToWire(clock.GetUtcNow().AddSeconds(10))}}"}""");

        await Wait.UntilAsync(() => Task.FromResult(work.IsCancellationRequested), c => c, Timeout, "the work token to be cancelled");
        await Assert.ThrowsAsync<RuntimeFencedException>(() => connection.PublishAsync([OutputEvents.Log("info", "after fencing")]));
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, await socket.Closed.WaitAsync(Timeout));

        await clock.AdvanceUntilAsync(() => Service.HasPendingSocket, "a new socket");
        var second = await Service.AcceptAsync();
        var attach = await second.ReceiveRequestAsync(RuntimeMethods.Attach);
        Assert.True(attach.GetProperty("params").GetProperty("reconnect").GetBoolean());
        Assert.Equal(1, attach.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        await second.ReplyAsync(attach, Frames.AttachReply(Ids.Connection2, 10000, Frames.EffectiveFromRequest(attach)));
        var recover = await second.ReceiveRequestAsync(RuntimeMethods.Recover);
        Assert.Equal(Ids.Connection2, recover.GetProperty("params").GetProperty("runtimeConnectionId").GetString());
        Assert.Equal(Ids.Run, recover.GetProperty("params").GetProperty("mainRunId").GetString());
        Assert.Equal(1, recover.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        await second.ReplyAsync(recover, """{"accepted":true}""");

        await Wait.UntilAsync(() => Task.FromResult(connection.State), s => s == RuntimeConnectionState.Attached, Timeout, "re-attached");
        Assert.False(connection.WorkToken.IsCancellationRequested);
        Assert.Equal(Ids.Connection2, connection.RuntimeConnectionId);
        var publish = connection.PublishAsync([OutputEvents.Log("info", "after re-attach")]);
        var events = await second.AcceptOutputAsync();
        await publish.WaitAsync(Timeout);
        Assert.Equal(1, Assert.Single(events).GetProperty("seq").GetInt32());
    }

    [Fact]
    public async Task SelfFencing_LeaseLapsesOnTheMonotonicClock_CancelsWorkAndStopsOutputUntilReattached()
    {
        var clock = new ManualClock();
        var (connection, socket) = await ConnectAsync(Options(clock), heartbeatIntervalMs: 10000);
        await using var _1 = connection;
        var work = connection.WorkToken;

        // Heartbeat sent at +10 s is accepted: the lease runs 30 s from when it was sent, to +40 s.
        clock.Advance(TimeSpan.FromSeconds(10));
        var renewedFrom = clock.GetUtcNow();
        var heartbeat = await socket.ReceiveRequestAsync(RuntimeMethods.Heartbeat);
        await socket.ReplyAsync(heartbeat, Due(renewedFrom.AddSeconds(10)));
        await clock.WaitForTimerAtAsync(renewedFrom.AddSeconds(10));

        // The next heartbeat gets no answer.
        clock.Advance(TimeSpan.FromSeconds(10));
        await socket.ReceiveRequestAsync(RuntimeMethods.Heartbeat);
        clock.Advance(TimeSpan.FromSeconds(10));
        await clock.WaitForTimerAtAsync(renewedFrom.AddSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(work.IsCancellationRequested);
        Assert.NotEqual(RuntimeConnectionState.Fenced, connection.State);

        clock.Advance(TimeSpan.FromSeconds(0.1));
        await Wait.UntilAsync(() => Task.FromResult(work.IsCancellationRequested), c => c, Timeout, "self-fencing");
        Assert.Equal(RuntimeConnectionState.Fenced, connection.State);
        await Assert.ThrowsAsync<RuntimeFencedException>(() => connection.PublishAsync([OutputEvents.Log("info", "no")]));
        await Assert.ThrowsAsync<RuntimeFencedException>(() => connection.SetKvAsync(new Dictionary<string, string> { ["k"] = "v" }));
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, await socket.Closed.WaitAsync(Timeout));
        Assert.DoesNotContain(socket.ReceivedRequests, r => r.GetProperty("method").GetString() is RuntimeMethods.OutputEvent or RuntimeMethods.KvSet);

        await clock.AdvanceUntilAsync(() => Service.HasPendingSocket, "a re-attach");
        var second = await Service.AcceptAsync();
        var attach = await second.AcceptAttachAsync(Ids.Connection2);
        Assert.True(attach.GetProperty("params").GetProperty("reconnect").GetBoolean());
        await second.ReplyAsync(await second.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        await Wait.UntilAsync(() => Task.FromResult(connection.State), s => s == RuntimeConnectionState.Attached, Timeout, "attached");
        Assert.False(connection.WorkToken.IsCancellationRequested);
        Assert.True(work.IsCancellationRequested);
    }
}
