using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Events;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Tests.Infrastructure;

namespace AgentService.Runtime.Tests;

public sealed class HostingTests : RuntimeTestBase
{
    private sealed class EchoAgent : IAgent
    {
        public List<string> Calls { get; } = [];

        public Task OnTaskStartAsync(IRunContext context, CancellationToken cancellationToken)
        {
            Calls.Add("start:" + context.Task!.Task.Instructions);
            return Task.CompletedTask;
        }

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            Calls.Add("step:" + input.Input);
            if (input.Input == "boom")
            {
                throw new InvalidOperationException("the agent failed");
            }

            if (input.Input == "wait")
            {
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken);
            }

            await context.PublishAsync(OutputEvents.Log("info", "echoing"));
            using var extra = JsonDocument.Parse($$"""{"echoed":{{input.AdditionalInput!.Value.GetRawText()}}}""");
            return new StepResult { Output = "Echo: " + input.Input, AdditionalOutput = extra.RootElement.Clone(), IsLast = true, Name = "echo" };
        }
    }

    /// <summary>Saves a checkpoint inside its step and answers with the checkpoint's id.</summary>
    private sealed class CheckpointingAgent : IAgent
    {
        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            using var state = JsonDocument.Parse($$"""{"last": "{{input.Input}}"}""");
            var checkpoint = await context.SaveCheckpointAsync(state.RootElement, cancellationToken: cancellationToken);
            return new StepResult { Output = checkpoint.CheckpointId };
        }
    }

    private static new TimeSpan Timeout => TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AgentRuntime_CheckpointSavedInAStep_IsPublishedInOneBatchWithTheStepFinished()
    {
        // Published before step.finished, a crash in between would resume after the step's input with the step never
        // finished: its caller would wait forever and its output would be lost.
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        using var stop = new CancellationTokenSource();
        var running = AgentRuntime.RunAsync(new CheckpointingAgent(), connection, cancellationToken: stop.Token);
        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        await socket.AcceptOutputAsync();
        var stepId = Ids.Step();
        var stepRequest = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 2, InputKinds.StepInput, Frames.StepPayload(stepId, "one")));
        // The step finished at once: its start, its finish and its checkpoint are one batch.
        var batch = await socket.AcceptOutputAsync();
        Assert.Equal(["step.started", "step.finished", "checkpoint.saved"], batch.Select(e => e.GetProperty("type").GetString()));
        var checkpoint = batch[2].GetProperty("data");
        Assert.Equal(2, checkpoint.GetProperty("inputCursor").GetInt32());
        Assert.Equal("one", checkpoint.GetProperty("state").GetProperty("last").GetString());
        Assert.Equal(checkpoint.GetProperty("checkpointId").GetString(), batch[1].GetProperty("data").GetProperty("output").GetString());
        Assert.Equal(stepId, batch[2].GetProperty("stepid").GetString());
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(stepRequest)));
        await stop.CancelAsync();
        Assert.Equal(AgentRunOutcome.Stopped, await running.WaitAsync(Timeout));
    }

    [Fact]
    public async Task AgentRuntime_TaskStepAndCancel_EmitsTheLifecycleAndAcknowledgesAfterTheEventsAreStored()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        var agent = new EchoAgent();
        var running = AgentRuntime.RunAsync(agent, connection);
        var start = Ids.Delivery();
        var stepId = Ids.Step();

        var startRequest = await socket.SendDeliveryAsync(Frames.Delivery(start, 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        var runStarted = Assert.Single(await socket.AcceptOutputAsync());
        Assert.Equal("run.started", runStarted.GetProperty("type").GetString());
        Assert.Equal(start, runStarted.GetProperty("data").GetProperty("startDeliveryId").GetString());
        Assert.Equal(start, runStarted.GetProperty("causationid").GetString());
        Assert.Equal("echo", runStarted.GetProperty("data").GetProperty("agent").GetProperty("name").GetString());
        Assert.Equal(Ids.Instance, runStarted.GetProperty("data").GetProperty("runtime").GetProperty("runtimeInstanceId").GetString());
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(startRequest)));

        var stepRequest = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 2, InputKinds.StepInput, Frames.StepPayload(stepId, "hello")));
        // The step's start leaves with the agent's first event, in front of it.
        var firstBatch = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        Assert.False(socket.HasResponse(stepRequest));
        await socket.ReplyAsync(firstBatch, """{"accepted":true}""");
        var firstEvents = firstBatch.GetProperty("params").GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["step.started", "log.emitted"], firstEvents.Select(e => e.GetProperty("type").GetString()));
        var (started, log) = (firstEvents[0], firstEvents[1]);
        Assert.Equal(stepId, started.GetProperty("stepid").GetString());
        Assert.Equal(stepId, started.GetProperty("data").GetProperty("stepId").GetString());
        Assert.Equal(0, started.GetProperty("data").GetProperty("index").GetInt32());
        Assert.Equal(stepId, log.GetProperty("stepid").GetString());

        var finishedBatch = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        Assert.False(socket.HasResponse(stepRequest));
        await socket.ReplyAsync(finishedBatch, """{"accepted":true}""");
        var finished = Assert.Single(finishedBatch.GetProperty("params").GetProperty("events").EnumerateArray());
        Assert.Equal("step.finished", finished.GetProperty("type").GetString());
        var data = finished.GetProperty("data");
        Assert.Equal("completed", data.GetProperty("status").GetString());
        Assert.Equal("Echo: hello", data.GetProperty("output").GetString());
        Assert.Equal("""{"echoed":{"k":1}}""", data.GetProperty("additionalOutput").GetRawText());
        Assert.True(data.GetProperty("isLast").GetBoolean());
        Assert.Equal("echo", data.GetProperty("name").GetString());
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(stepRequest)));
        Assert.Equal([1, 2, 3, 4], new[] { runStarted, started, log, finished }.Select(e => e.GetProperty("seq").GetInt32()));

        var cancelRequest = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 3, InputKinds.Cancel, Frames.CancelPayload));
        var runFinished = Assert.Single(await socket.AcceptOutputAsync());
        Assert.Equal("run.finished", runFinished.GetProperty("type").GetString());
        Assert.Equal("cancelled", runFinished.GetProperty("data").GetProperty("status").GetString());
        Assert.False(runFinished.TryGetProperty("stepid", out _));
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(cancelRequest)));
        Assert.Equal(AgentRunOutcome.RunFinished, await running.WaitAsync(Timeout));
        Assert.Equal(["start:say hi", "step:hello"], agent.Calls);
    }

    [Fact]
    public async Task AgentRuntime_StepThatThrows_FinishesTheStepFailedWithTheError()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        using var stop = new CancellationTokenSource();
        var running = AgentRuntime.RunAsync(new EchoAgent(), connection, cancellationToken: stop.Token);

        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        await socket.AcceptOutputAsync();
        var stepRequest = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 2, InputKinds.StepInput, Frames.StepPayload(Ids.Step(), "boom")));
        var batch = await socket.AcceptOutputAsync();
        Assert.Equal(["step.started", "step.finished"], batch.Select(e => e.GetProperty("type").GetString()));
        var finished = batch[1];

        Assert.Equal("failed", finished.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("step_failed", finished.GetProperty("data").GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("the agent failed", finished.GetProperty("data").GetProperty("error").GetProperty("message").GetString());
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(stepRequest)));
        await stop.CancelAsync();
        Assert.Equal(AgentRunOutcome.Stopped, await running.WaitAsync(Timeout));
    }

    [Fact]
    public async Task AgentRuntime_CancelDuringAStep_CancelsTheStepThenFinishesTheRunCancelled()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        var running = AgentRuntime.RunAsync(new EchoAgent(), connection);

        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        await socket.AcceptOutputAsync();
        var stepRequest = await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 2, InputKinds.StepInput, Frames.StepPayload(Ids.Step(), "wait")));
        await socket.AcceptOutputAsync();
        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 3, InputKinds.Cancel, Frames.CancelPayload));

        var stepFinished = Assert.Single(await socket.AcceptOutputAsync());
        Assert.Equal("step.finished", stepFinished.GetProperty("type").GetString());
        Assert.Equal("cancelled", stepFinished.GetProperty("data").GetProperty("status").GetString());
        Assert.True(Frames.Accepted(await socket.ReceiveResponseAsync(stepRequest)));
        var runFinished = Assert.Single(await socket.AcceptOutputAsync());
        Assert.Equal("cancelled", runFinished.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(AgentRunOutcome.RunFinished, await running.WaitAsync(Timeout));
    }

    [Fact]
    public async Task AgentRuntime_Idle_ReturnsIdleAfterTheTimeout()
    {
        var clock = new ManualClock();
        var options = Options(clock);
        var (connection, _) = await ConnectAsync(options);
        await using var _1 = connection;

        var running = AgentRuntime.RunAsync(new EchoAgent(), connection, new AgentRuntimeOptions { Connection = options, IdleTimeout = TimeSpan.FromMinutes(5) });
        await clock.WaitForTimerAtAsync(clock.GetUtcNow().AddMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(AgentRunOutcome.Idle, await running.WaitAsync(Timeout));
    }
}
