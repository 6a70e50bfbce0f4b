using AgentService.Protocol.Runtime;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Tests.Infrastructure;

namespace AgentService.Runtime.Tests;

public sealed class HostingFencingTests : RuntimeTestBase
{
    private sealed class SlowFirstAgent : IAgent
    {
        private int _calls;

        public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                FirstCallStarted.TrySetResult();
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return StepResult.Text("done", isLast: true);
        }
    }

    [Fact]
    public async Task AgentRuntime_StepStoppedByFencing_IsNotAcknowledged_AndIsDoneAgainAfterTheReattach()
    {
        var clock = new ManualClock();
        var (connection, first) = await ConnectAsync(Options(clock));
        await using var _1 = connection;
        using var stop = new CancellationTokenSource();
        var agent = new SlowFirstAgent();
        var running = AgentRuntime.RunAsync(agent, connection, cancellationToken: stop.Token);
        var stepDelivery = Ids.Delivery();
        var stepId = Ids.Step();

        await first.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        await first.AcceptOutputAsync();
        var firstTry = await first.SendDeliveryAsync(Frames.Delivery(stepDelivery, 2, InputKinds.StepInput, Frames.StepPayload(stepId, "go")));
        var firstStart = Assert.Single(await first.AcceptOutputAsync());
        Assert.Equal("step.started", firstStart.GetProperty("type").GetString());
        await agent.FirstCallStarted.Task.WaitAsync(Timeout);

        // No heartbeat is answered: the lease lapses, the step's token is cancelled, nothing more goes out.
        clock.Advance(TimeSpan.FromSeconds(30));
        await first.Closed.WaitAsync(Timeout);
        Assert.False(first.HasResponse(firstTry));
        Assert.DoesNotContain(first.ReceivedRequests.Skip(1), r => r.GetProperty("method").GetString() == RuntimeMethods.OutputEvent
            && r.GetProperty("params").GetProperty("events")[0].GetProperty("type").GetString() == "step.finished");

        await clock.AdvanceUntilAsync(() => Service.HasPendingSocket, "a re-attach");
        var second = await Service.AcceptAsync();
        await second.AcceptAttachAsync(Ids.Connection2);
        await second.ReplyAsync(await second.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        var redelivery = await second.SendDeliveryAsync(Frames.Delivery(stepDelivery, 2, InputKinds.StepInput, Frames.StepPayload(stepId, "go"), deliveryCount: 2));

        // What the old connection sent may not have been acknowledged to the SDK before the fence: it is resent
        // as it was. Then the step, done at once this time, sends its start and finish in one batch.
        var batch = await second.AcceptOutputAsync();
        if (batch is [var resent] && resent.GetProperty("id").GetString() == firstStart.GetProperty("id").GetString())
        {
            batch = await second.AcceptOutputAsync();
        }

        Assert.Equal(["step.started", "step.finished"], batch.Select(e => e.GetProperty("type").GetString()));
        var (again, finished) = (batch[0], batch[1]);
        Assert.Equal(stepId, again.GetProperty("stepid").GetString());
        Assert.Equal("done", finished.GetProperty("data").GetProperty("output").GetString());
        Assert.True(Frames.Accepted(await second.ReceiveResponseAsync(redelivery)));

        await stop.CancelAsync();
        Assert.Equal(AgentRunOutcome.Stopped, await running.WaitAsync(Timeout));
    }
}
