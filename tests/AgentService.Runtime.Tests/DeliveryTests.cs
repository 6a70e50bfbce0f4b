using AgentService.Protocol.Runtime;
using AgentService.Runtime.Events;
using AgentService.Runtime.Tests.Infrastructure;
using AgentService.Tests.Common;

namespace AgentService.Runtime.Tests;

public sealed class DeliveryTests : RuntimeTestBase
{
    private static async Task<InputDelivery> NextAsync(IAsyncEnumerator<InputDelivery> reader)
    {
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Timeout));
        return reader.Current;
    }

    [Fact]
    public async Task Deliveries_AreHandedOutInSequenceOrder_HoldingLaterOnesAndDroppingDuplicates()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        await using var reader = connection.ReadDeliveriesAsync().GetAsyncEnumerator();
        string d1 = Ids.Delivery(), d2 = Ids.Delivery(), d3 = Ids.Delivery(), d4 = Ids.Delivery();

        var r1 = await socket.SendDeliveryAsync(Frames.Delivery(d1, 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        var r3 = await socket.SendDeliveryAsync(Frames.Delivery(d3, 3, InputKinds.Message, Frames.MessagePayload));
        var r2 = await socket.SendDeliveryAsync(Frames.Delivery(d2, 2, InputKinds.Message, Frames.MessagePayload));

        var first = await NextAsync(reader);
        Assert.Equal(d1, first.DeliveryId);
        Assert.Equal("echo", first.GetTaskStart().Agent!.Name);
        await first.AcknowledgeAsync();
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(r1)));

        var second = await NextAsync(reader);
        Assert.Equal(d2, second.DeliveryId);
        await second.AcknowledgeAsync();
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(r2)));
        // Sequence 3 arrived first but is acknowledged only once the app applies it.
        Assert.False(socket.HasResponse(r3));

        // Duplicates: a known deliveryId, and a new id with a sequence already applied. Acked at once, never handed out.
        var dupById = await socket.SendDeliveryAsync(Frames.Delivery(d2, 2, InputKinds.Message, Frames.MessagePayload, deliveryCount: 2));
        var dupBySequence = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.Message, Frames.MessagePayload));
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(dupById)));
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(dupBySequence)));

        var third = await NextAsync(reader);
        Assert.Equal(d3, third.DeliveryId);
        await third.AcknowledgeAsync();
        await third.AcknowledgeAsync();
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(r3)));

        await socket.SendDeliveryAsync(Frames.Delivery(d4, 4, InputKinds.Message, Frames.MessagePayload));
        Assert.Equal(d4, (await NextAsync(reader)).DeliveryId);
    }

    [Fact]
    public async Task Delivery_PastExpiresAt_IsAcknowledgedButNotHandedOut()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        await using var reader = connection.ReadDeliveriesAsync().GetAsyncEnumerator();
        var live = Ids.Delivery();

        var expired = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.Message, Frames.MessagePayload, expiresAt: "2020-01-01T00:00:00Z"));
        await socket.SendDeliveryAsync(Frames.Delivery(live, 2, InputKinds.Message, Frames.MessagePayload));

        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(expired)));
        Assert.Equal(live, (await NextAsync(reader)).DeliveryId);
    }

    [Fact]
    public async Task Delivery_RedeliveredAfterReconnectWhileUnacknowledged_IsAcknowledgedOnTheNewSocketWhenApplied()
    {
        var (connection, first) = await ConnectAsync();
        await using var _1 = connection;
        await using var reader = connection.ReadDeliveriesAsync().GetAsyncEnumerator();
        var d1 = Ids.Delivery();
        var original = await first.SendDeliveryAsync(Frames.Delivery(d1, 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        var delivery = await NextAsync(reader);
        first.Abort();

        var second = await Service.AcceptAsync();
        await second.AcceptAttachAsync(Ids.Connection2);
        await second.ReplyAsync(await second.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        var redelivery = await second.SendDeliveryAsync(Frames.Delivery(d1, 1, InputKinds.TaskStart, Frames.TaskStartPayload, deliveryCount: 2));
        var d2 = Ids.Delivery();
        await second.SendDeliveryAsync(Frames.Delivery(d2, 2, InputKinds.Message, Frames.MessagePayload));

        Assert.False(second.HasResponse(redelivery));
        await delivery.AcknowledgeAsync();
        Assert.True(Frames.Accepted(await second.ReceiveResponseAsync(redelivery)));
        Assert.False(first.HasResponse(original));
        Assert.Equal(d2, (await NextAsync(reader)).DeliveryId);
    }

    [Fact]
    public async Task RunResume_IsHandedOutFirst_AndMovesTheInputCursorAndTheOutputSeq()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        await using var reader = connection.ReadDeliveriesAsync().GetAsyncEnumerator();

        var resumeId = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), null, InputKinds.RunResume, Frames.ResumePayload(inputCursor: 3, nextOutputSeq: 42)));
        var resume = await NextAsync(reader);
        Assert.Equal(InputKinds.RunResume, resume.Kind);
        Assert.Equal(42, resume.GetRunResume().NextOutputSeq);
        await resume.AcknowledgeAsync();
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(resumeId)));

        var publish = connection.PublishAsync([OutputEvents.Log("info", "resumed")]);
        Assert.Equal(42, Assert.Single(await socket.AcceptOutputAsync()).GetProperty("seq").GetInt32());
        await publish.WaitAsync(Timeout);

        var old = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 3, InputKinds.Message, Frames.MessagePayload));
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(old)));
        var d4 = Ids.Delivery();
        await socket.SendDeliveryAsync(Frames.Delivery(d4, 4, InputKinds.Message, Frames.MessagePayload));
        Assert.Equal(d4, (await NextAsync(reader)).DeliveryId);
    }

    [Fact]
    public async Task CancelDelivery_CancelsTheWorkToken_EvenBeforeTheAppReadsIt()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        var work = connection.WorkToken;

        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 2, InputKinds.Cancel, Frames.CancelPayload));

        await Wait.UntilAsync(() => Task.FromResult(work.IsCancellationRequested), c => c, Timeout, "the work token to be cancelled");
        Assert.True(connection.IsCancellationRequested);
        // Publishing is still allowed (run.finished(cancelled) must go out).
        var publish = connection.PublishAsync([OutputEvents.RunCancelled()]);
        await socket.AcceptOutputAsync();
        await publish.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Delivery_ForARunNotHostedHere_IsRefusedWithUnknownRun()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var id = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload, runId: Ids.SubRun, attemptId: Ids.SubAttempt));
        var wrongAttempt = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload, attemptId: Ids.SubAttempt));

        foreach (var response in new[] { await socket.ReceiveResponseAsync(id), await socket.ReceiveResponseAsync(wrongAttempt) })
        {
            var error = response.GetProperty("error");
            Assert.Equal(RuntimeErrorCodes.UnknownRun, error.GetProperty("code").GetInt32());
            Assert.Equal("unknown_run", error.GetProperty("data").GetProperty("reason").GetString());
            Assert.False(error.GetProperty("data").GetProperty("retryable").GetBoolean());
        }
    }

    [Fact]
    public async Task Delivery_ThatIsNotATaskInputDelivery_GetsInvalidParams()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var id = await socket.SendDeliveryAsync($$"""{"deliveryId":"{{Ids.Delivery()}}","runId":"{{Ids.Run}}","kind":"message"}""");

        Assert.Equal(RuntimeErrorCodes.InvalidParams, (await socket.ReceiveResponseAsync(id)).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task LocalSubRun_GetsItsDeliveriesAndPublishesWithItsOwnAttempt()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        await using var reader = connection.ReadDeliveriesAsync().GetAsyncEnumerator();
        connection.AddLocalSubRun(Ids.SubRun, Ids.Run);

        var id = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload, runId: Ids.SubRun, attemptId: Ids.SubAttempt));
        var start = await NextAsync(reader);
        Assert.Equal(Ids.SubRun, start.RunId);
        await start.AcknowledgeAsync();
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(id)));

        var publish = connection.PublishAsync(Ids.SubRun, [OutputEvents.RunCompleted("done")]);
        var batch = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        await socket.ReplyAsync(batch, """{"accepted":true}""");
        await publish.WaitAsync(Timeout);
        var e = Assert.Single(batch.GetProperty("params").GetProperty("events").EnumerateArray());
        Assert.Equal(Ids.SubRun, batch.GetProperty("params").GetProperty("runId").GetString());
        Assert.Equal($"/runs/{Ids.SubRun}/attempts/{Ids.SubAttempt}", e.GetProperty("source").GetString());
        Assert.Equal(1, e.GetProperty("seq").GetInt32());
        Assert.Equal(Ids.Run, e.GetProperty("correlationid").GetString());
        await Wait.UntilAsync(() => Task.FromResult(connection.LocalSubRuns.Count), c => c == 0, Timeout, "the finished sub-run to be released");
    }
}
