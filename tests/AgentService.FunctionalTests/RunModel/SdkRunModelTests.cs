using System.Net;
using System.Text.Json;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Runtime.Events;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Worker;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.RunModel;

/// <summary>The SDK's one-call helpers against the real server: a tool call's lifecycle, an interaction awaited inside a
/// step (answered over HTTP), and a checkpoint save.</summary>
public sealed class SdkRunModelTests
{
    private sealed class ApprovingAgent : IAgent
    {
        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            using var arguments = JsonDocument.Parse("""{"path": "/tmp/x"}""");
            var size = await context.CallToolAsync("stat", arguments.RootElement, _ => Task.FromResult(JsonSerializer.SerializeToElement(7)), "stat-1", cancellationToken);
            var answer = await context.RequestInteractionAsync(
                new InteractionRequestedData { InteractionId = TypeId.New("ixn"), Kind = "approval", Prompt = $"Delete {size.GetInt32()} bytes?" },
                cancellationToken);
            using var state = JsonDocument.Parse($$"""{"decision": "{{answer.Outcome}}"}""");
            await context.SaveCheckpointAsync(state.RootElement, cancellationToken: cancellationToken);
            return new StepResult { Output = $"{answer.Outcome}: {answer.Reason}", IsLast = true };
        }
    }

    /// <summary>Counts steps in its state; saves a large checkpoint (over the inline limit) after each step.</summary>
    private sealed class CountingAgent(System.Collections.Concurrent.ConcurrentQueue<string> seen) : IAgent
    {
        private int _count;

        public async Task OnResumeAsync(IRunContext context, Protocol.Runtime.Inputs.RunResumePayload resumePayload, CancellationToken cancellationToken)
        {
            if (await context.LoadCheckpointAsync(cancellationToken) is { } state)
            {
                _count = state.GetProperty("count").GetInt32();
                seen.Enqueue($"resumed at {_count} with {state.GetProperty("padding").GetString()!.Length} chars");
            }
        }

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            seen.Enqueue($"step {input.Input}");
            _count++;
            var state = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["count"] = _count, ["padding"] = new string('p', 300 * 1024) });
            await context.SaveCheckpointAsync(state, cancellationToken: cancellationToken);
            return new StepResult { Output = $"count {_count}" };
        }
    }

    [Fact]
    public async Task SdkAgent_SavesALargeCheckpoint_AndTheNextAttemptLoadsItAndGetsOnlyTheLaterStep()
    {
        await using var fixture = await RuntimeFixture.StartAsync("", "--AgentService:Runtime:HeartbeatIntervalMs=1000", "--AgentService:Runtime:LeaseGraceSeconds=0");
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var taskId = await Api.CreateTaskAsync(fixture.Http, "count", ModelRuntime.Workers);

        using (var stopFirst = new CancellationTokenSource())
        {
            var first = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 2, WorkerId = "first", LeaseSeconds = 5 });
            var running = first.RunAsync("workers", () => new CountingAgent(seen), stopFirst.Token);
            var one = await Api.PostJsonAsync(fixture.Http, $"{ModelRuntime.Workers}/tasks/{taskId}/steps", """{"input": "one"}""");
            Assert.Equal("count 1", one.GetProperty("output").GetString());
            await stopFirst.CancelAsync(); // the process goes away; its attempt is lost when the lease lapses
            await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        var checkpoint = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events?limit=1000")).GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("type").GetString() == "checkpoint.saved");
        Assert.True(checkpoint.GetProperty("data").TryGetProperty("stateRef", out _), "state over 256 KiB is an artifact");

        using var stopSecond = new CancellationTokenSource();
        var second = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 2, WorkerId = "second" });
        var secondRunning = second.RunAsync("workers", () => new CountingAgent(seen), stopSecond.Token);
        var two = await Api.PostJsonAsync(fixture.Http, $"{ModelRuntime.Workers}/tasks/{taskId}/steps", """{"input": "two"}""");
        Assert.Equal("count 2", two.GetProperty("output").GetString());
        Assert.Equal(["step one", $"resumed at 1 with {300 * 1024} chars", "step two"], seen);
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal(2, run.GetProperty("attempts").GetArrayLength());
        await stopSecond.CancelAsync();
        await secondRunning.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task SdkAgent_CallsATool_AwaitsAnApprovalAnsweredOverHttp_AndSavesACheckpoint()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-model" });
        var running = worker.RunAsync("workers", () => new ApprovingAgent(), stop.Token);

        var taskId = await Api.CreateTaskAsync(fixture.Http, "delete things", ModelRuntime.Workers);
        var stepId = await fixture.PostStepAsync(taskId, "go", ModelRuntime.Workers);
        var pending = await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/interactions"),
            list => list.GetProperty("interactions").GetArrayLength() == 1,
            TimeSpan.FromSeconds(30),
            "the agent to ask");
        var interaction = pending.GetProperty("interactions")[0];
        Assert.Equal("Delete 7 bytes?", interaction.GetProperty("request").GetProperty("prompt").GetString());
        Assert.Equal("waiting", (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}")).GetProperty("status").GetString());

        using var response = await fixture.Http.PostAsync($"v1/runs/{taskId}/interactions/{interaction.GetProperty("interactionId").GetString()}",
            Api.Json("""{"action": "approve", "reason": "go ahead"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var step = await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"{ModelRuntime.Workers}/tasks/{taskId}/steps/{stepId}"),
            s => s.GetProperty("status").GetString() == "completed",
            TimeSpan.FromSeconds(30),
            "the step to finish");
        Assert.Equal("approved: go ahead", step.GetProperty("output").GetString());

        var snapshot = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/snapshot");
        var call = snapshot.GetProperty("toolCalls")[0];
        Assert.Equal("completed", call.GetProperty("status").GetString());
        Assert.Equal(7, call.GetProperty("result").GetInt32());
        Assert.Equal("stat-1", call.GetProperty("idempotencyKey").GetString());
        Assert.Equal(2, snapshot.GetProperty("checkpoint").GetProperty("inputCursor").GetInt64());
        Assert.Equal("resolved", snapshot.GetProperty("interactions")[0].GetProperty("status").GetString());
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }
}
