using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Runtime.Events;
using AgentService.Runtime.Tests.Infrastructure;

namespace AgentService.Runtime.Tests;

public sealed class ReconnectTests : RuntimeTestBase
{
    [Fact]
    public async Task SocketDrop_ReattachesWithHigherEpochsRecoversFirstAndResendsUnansweredRequestsInOrder()
    {
        var (connection, first) = await ConnectAsync();
        await using var _1 = connection;

        var publish = connection.PublishAsync([OutputEvents.RunStarted(new RunStartedData { AttemptNumber = 1 }), OutputEvents.Log("info", "one")]);
        var batch = await first.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        var kv = connection.GetKvAsync(["a"]);
        await first.ReceiveRequestAsync(RuntimeMethods.KvGet);
        first.Abort();

        // A reply that never comes still uses up its epoch.
        var second = await Service.AcceptAsync();
        var lostAttach = await second.ReceiveRequestAsync(RuntimeMethods.Attach);
        Assert.Equal(1, lostAttach.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        second.Abort();

        var third = await Service.AcceptAsync();
        var attach = await third.ReceiveRequestAsync(RuntimeMethods.Attach);
        var p = attach.GetProperty("params");
        Assert.True(p.GetProperty("reconnect").GetBoolean());
        Assert.Equal(2, p.GetProperty("connectionEpoch").GetInt64());
        Assert.Equal(Ids.Instance, p.GetProperty("runtimeInstanceId").GetString());
        Assert.Equal(Ids.Attempt, p.GetProperty("attemptId").GetString());
        await third.ReplyAsync(attach, Frames.AttachReply(Ids.Connection2, 10000, Frames.EffectiveFromRequest(attach)));

        var recover = await third.ReceiveRequestAsync(RuntimeMethods.Recover);
        Assert.Equal(2, recover.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        Assert.False(third.HasPendingRequest);
        await third.ReplyAsync(recover, """{"accepted":true}""");

        var resent = await third.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        Assert.Equal(Ids.Connection2, resent.GetProperty("params").GetProperty("runtimeConnectionId").GetString());
        Assert.Equal(batch.GetProperty("params").GetProperty("events").GetRawText(), resent.GetProperty("params").GetProperty("events").GetRawText());
        Assert.Equal([1, 2], resent.GetProperty("params").GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt32()));
        var kvAgain = await third.ReceiveRequestAsync(RuntimeMethods.KvGet);
        Assert.Equal(Ids.Connection2, kvAgain.GetProperty("params").GetProperty("runtimeConnectionId").GetString());

        await third.ReplyAsync(kvAgain, """{"kv":{"a":"1"}}""");
        await third.ReplyAsync(resent, """{"accepted":true}""");
        await publish.WaitAsync(Timeout);
        Assert.Equal("1", (await kv.WaitAsync(Timeout))["a"]);
        Assert.Equal(2, connection.ConnectionEpoch);
    }

    [Fact]
    public async Task Recover_NamesTheLiveLocalSubRuns()
    {
        var (connection, first) = await ConnectAsync();
        await using var _1 = connection;
        var spawn = connection.PublishAsync([OutputEvents.SubrunSpawned(new SubrunSpawnedData
        {
            ChildRunId = Ids.SubRun,
            Relation = "delegate",
            Agent = new() { Name = "reviewer" },
            AwaitChild = true,
            Hosting = "local",
            Task = new() { Title = "Review" },
        })]);
        await first.AcceptOutputAsync();
        await spawn.WaitAsync(Timeout);
        Assert.Equal([Ids.SubRun], connection.LocalSubRuns);

        await first.CloseAsync(RuntimeCloseCodes.ServiceRestart, "restart");
        var second = await Service.AcceptAsync();
        await second.AcceptAttachAsync(Ids.Connection2);
        var recover = await second.ReceiveRequestAsync(RuntimeMethods.Recover);

        Assert.Equal(JsonShape.Of(JsonShape.Load("frame-19-runtime.connection.recover.command.json")), JsonShape.Of(recover));
        Assert.Equal([Ids.SubRun], recover.GetProperty("params").GetProperty("subRunIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData(RuntimeCloseCodes.Superseded, FatalScopes.Connection)]
    [InlineData(RuntimeCloseCodes.LeaseExpired, FatalScopes.Attempt)]
    [InlineData(RuntimeCloseCodes.AttemptSuperseded, FatalScopes.Attempt)]
    [InlineData(RuntimeCloseCodes.Unauthenticated, FatalScopes.Connection)]
    public async Task Close_WithAFatalCode_EndsTheConnectionWithoutReconnecting(int code, string scope)
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        var reader = connection.ReadDeliveriesAsync().GetAsyncEnumerator();
        var next = reader.MoveNextAsync().AsTask();

        await socket.CloseAsync(code, "stop");

        var error = await Assert.ThrowsAsync<RuntimeConnectionException>(() => connection.Completion.WaitAsync(Timeout));
        Assert.Equal(code, error.CloseStatus);
        Assert.Equal(scope, error.Fatal);
        Assert.True(connection.WorkToken.IsCancellationRequested);
        await Assert.ThrowsAsync<RuntimeConnectionException>(() => next.WaitAsync(Timeout));
        await Assert.ThrowsAsync<RuntimeConnectionException>(() => connection.PublishAsync([OutputEvents.Log("info", "x")]));
        Assert.False(Service.HasPendingSocket);
    }

    [Theory]
    [InlineData(RuntimeCloseCodes.GoingAway)]
    [InlineData(RuntimeCloseCodes.InternalError)]
    [InlineData(RuntimeCloseCodes.ServiceRestart)]
    [InlineData(RuntimeCloseCodes.TryAgainLater)]
    public async Task Close_WithAReconnectCode_ReattachesWithReconnectTrue(int code)
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        await socket.CloseAsync(code, "again");

        var second = await Service.AcceptAsync();
        var attach = await second.AcceptAttachAsync(Ids.Connection2);
        Assert.True(attach.GetProperty("params").GetProperty("reconnect").GetBoolean());
        Assert.Equal(1, attach.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        await second.ReplyAsync(await second.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        await Infrastructure.Waits.AttachedAsync(connection);
        Assert.False(connection.WorkToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Recover_RefusingAnEndedSubRun_IsAskedAgainWithoutIt()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        const string Ended = "run_01kjmma2sgepnt9mh6md1smrk1";
        const string Alive = "run_01kjmma2sgepnt9mh6md1smrk2";
        connection.AddLocalSubRun(Ended);
        connection.AddLocalSubRun(Alive);
        socket.Abort();

        var second = await Service.AcceptAsync();
        await second.AcceptAttachAsync(Ids.Connection2);
        var first = await second.ReceiveRequestAsync(RuntimeMethods.Recover);
        Assert.Equal([Ended, Alive], first.GetProperty("params").GetProperty("subRunIds").EnumerateArray().Select(r => r.GetString()).Order());
        await second.ErrorAsync(first, RuntimeErrorCodes.RunFinished, FatalScopes.Run, $$"""{"runIds":["{{Ended}}"]}""");

        var again = await second.ReceiveRequestAsync(RuntimeMethods.Recover);
        Assert.Equal([Alive], again.GetProperty("params").GetProperty("subRunIds").EnumerateArray().Select(r => r.GetString()));
        await second.ReplyAsync(again, """{"accepted":true}""");
        await Infrastructure.Waits.AttachedAsync(connection);
        Assert.Equal([Alive], connection.LocalSubRuns);
    }

    [Fact]
    public async Task Recover_RefusedForGood_EndsTheConnection()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        socket.Abort();

        var second = await Service.AcceptAsync();
        await second.AcceptAttachAsync(Ids.Connection2);
        var recover = await second.ReceiveRequestAsync(RuntimeMethods.Recover);
        await second.ErrorAsync(recover, RuntimeErrorCodes.RunFinished, FatalScopes.Run, """{"runIds":["run_01kjmma2sgepnt9mh6md1smrkw"]}""");

        var error = await Assert.ThrowsAsync<RuntimeConnectionException>(() => connection.Completion.WaitAsync(Timeout));
        Assert.Equal(FatalScopes.Run, error.Fatal);
        Assert.Equal(RuntimeErrorCodes.RunFinished, Assert.IsType<RuntimeProtocolException>(error.InnerException).Code);
    }
}
