using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime;
using AgentService.Runtime.Events;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Worker;
using AgentService.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>The SDK's sub-runs and trace propagation against the real server: workers in this process run an agent
/// that spawns a local sub-run and gives a task to another agent in one call each; a step's traceparent follows the
/// step into the delivery, the stored events and the children.</summary>
public sealed class SdkSubRunTests
{
    private const string Workers = "agents/workers/ap/v1/agent";
    private const string TaskTrace = "00-11111111111111111111111111111111-2222222222222222-01";
    private const string StepTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    [Fact]
    public async Task Sdk_SpawnsALocalSubRunAndAnAgentTask_BothWakeTheParent_AndTheStepsTraceFollows()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var wakes = new ConcurrentQueue<JsonElement>();
        var stepTraces = new ConcurrentQueue<string>();
        var spans = new ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "AgentService.Runtime",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-subruns", MaxConcurrentRuns = 4 });
        var running = worker.RunAsync("workers", () => new DelegatingAgent(wakes, stepTraces), stop.Token);

        using var create = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks") { Content = Api.Json("""{"input":"coordinate"}""") };
        create.Headers.Add("traceparent", TaskTrace);
        using var created = await fixture.Http.SendAsync(create);
        var taskId = (await Api.ReadJsonAsync(created, HttpStatusCode.OK)).GetProperty("task_id").GetString()!;
        using var post = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"spawn"}""") };
        post.Headers.Add("traceparent", StepTrace);
        using var posted = await fixture.Http.SendAsync(post);
        var step = await Api.ReadJsonAsync(posted, HttpStatusCode.OK);
        Assert.Equal("completed", step.GetProperty("status").GetString());
        var childIds = step.GetProperty("output").GetString()!.Split(' ');
        var (local, remote) = (childIds[0], childIds[1]);

        // Both children end (the local one in this process, the other on a runtime of its own) and wake the parent.
        await Wait.UntilAsync(() => Task.FromResult(wakes.Count), n => n >= 2, TimeSpan.FromSeconds(30), "both children to wake the parent");
        var results = wakes.ToDictionary(w => w.GetProperty("childRunId").GetString()!);
        Assert.Equal("completed", results[local].GetProperty("status").GetString());
        Assert.Equal("local did: count to 3", results[local].GetProperty("summary").GetString());
        Assert.Equal("completed", results[remote].GetProperty("status").GetString());
        Assert.Equal("remote did: check the build", results[remote].GetProperty("summary").GetString());

        var children = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/children");
        var listed = children.GetProperty("children").EnumerateArray().ToDictionary(c => c.GetProperty("runId").GetString()!);
        Assert.Equal(new[] { local, remote }.Order(), listed.Keys.Order());
        Assert.Equal("local", listed[local].GetProperty("hosting").GetString());
        Assert.Equal("service", listed[remote].GetProperty("hosting").GetString());
        Assert.All(listed.Values, c => Assert.Equal("completed", c.GetProperty("status").GetString()));
        var parent = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal("running", parent.GetProperty("status").GetString());

        // Trace context: the run keeps the creating request's traceparent; the step's delivery and the events answering it
        // carry the step request's, and so do the children spawned while handling it.
        Assert.Equal(TaskTrace, parent.GetProperty("traceparent").GetString());
        Assert.Equal(StepTrace, Assert.Single(stepTraces));
        var traceId = StepTrace.Split('-')[1];
        var events = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events?limit=100")).GetProperty("events").EnumerateArray().ToList();
        var stepEvents = events.Where(e => e.GetProperty("type").GetString() is "step.started" or "step.finished" or "subrun.spawned").ToList();
        Assert.Equal(4, stepEvents.Count);
        Assert.All(stepEvents, e => Assert.Equal(traceId, e.GetProperty("traceparent").GetString()!.Split('-')[1]));
        // The SDK's span for the step is a child of the client's span.
        var stepSpan = Assert.Single(spans, a => a.DisplayName == "agent step.input" && a.TraceId.ToHexString() == traceId);
        Assert.Equal("00f067aa0ba902b7", stepSpan.ParentSpanId.ToHexString());
        Assert.Equal(taskId, stepSpan.GetTagItem("agentservice.run_id"));
        Assert.Contains(spans, a => a.DisplayName == "agent task.start" && a.TraceId.ToHexString() == traceId && (string?)a.GetTagItem("agentservice.run_id") == local);
        foreach (var child in new[] { local, remote })
        {
            Assert.Equal(StepTrace, (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{child}")).GetProperty("traceparent").GetString());
            var childEvents = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{child}/events")).GetProperty("events").EnumerateArray().ToList();
            Assert.Equal(["run.started", "run.finished"], childEvents.Select(e => e.GetProperty("type").GetString()));
            Assert.All(childEvents, e => Assert.Equal(traceId, e.GetProperty("traceparent").GetString()!.Split('-')[1]));
        }

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task Step_WithoutOrWithABadTraceparent_GetsAFreshValidOne()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var taskId = await Api.CreateTaskAsync(fixture.Http, "no trace", Workers);
        using var post = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"x"}""") };
        post.Headers.Add("Prefer", "wait=0");
        post.Headers.Add("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
        using var posted = await fixture.Http.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var claim = await fixture.ClaimAsync("trace-worker");
        await using var runtime = await RawRuntime.ConnectAsync(claim!.ServiceUrl, claim.Token);
        await runtime.AttachAsync(claim.RunId, claim.AttemptId);
        var (_, start) = await runtime.NextDeliveryAsync();
        var (_, stepDelivery) = await runtime.NextDeliveryAsync();
        var runTrace = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}")).GetProperty("traceparent").GetString()!;
        Assert.Equal(runTrace, start.GetProperty("traceparent").GetString());
        var stepTrace = stepDelivery.GetProperty("traceparent").GetString()!;
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", stepTrace);
        Assert.DoesNotContain("00000000000000000000000000000000", stepTrace, StringComparison.Ordinal);
        Assert.NotEqual(runTrace, stepTrace);
        Assert.Empty(runtime.SchemaErrors);
    }

    [Fact]
    public async Task Sdk_ReconnectWithALiveLocalSubRun_RecoversItAndItsEndStillWakesTheParent()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var wakes = new ConcurrentQueue<JsonElement>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-recover" });
        var running = worker.RunAsync("workers", () => new DelegatingAgent(wakes, new ConcurrentQueue<string>(), gate.Task, localOnly: true), stop.Token);

        var taskId = await Api.CreateTaskAsync(fixture.Http, "coordinate", Workers);
        var step = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"spawn"}""");
        var child = step.GetProperty("output").GetString()!.Trim();
        await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{child}"), r => r.GetProperty("status").GetString() == "running",
            TimeSpan.FromSeconds(20), "the local child to start");
        var before = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}")).GetProperty("connection").GetProperty("runtimeConnectionId").GetString()!;

        // The service drops the socket (going away): the SDK re-attaches with reconnect:true and recovers the live child.
        fixture.Host.Services.GetRequiredService<AgentService.Server.Runtime.RuntimeSignals>().Close(before, 1001, "going away (test)");
        var after = await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}"),
            r => r.GetProperty("connection") is { ValueKind: JsonValueKind.Object } c && c.GetProperty("runtimeConnectionId").GetString() != before,
            TimeSpan.FromSeconds(30), "the parent to re-attach");
        var connection = after.GetProperty("connection").GetProperty("runtimeConnectionId").GetString();
        await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"v1/runs/{child}"),
            r => r.GetProperty("connection") is { ValueKind: JsonValueKind.Object } c && c.GetProperty("runtimeConnectionId").GetString() == connection,
            TimeSpan.FromSeconds(30), "the child to be re-bound to the new connection");

        gate.SetResult();
        await Wait.UntilAsync(() => Task.FromResult(wakes.Count), n => n >= 1, TimeSpan.FromSeconds(30), "the child's end to wake the parent");
        var result = Assert.Single(wakes);
        Assert.Equal(child, result.GetProperty("childRunId").GetString());
        Assert.Equal("completed", result.GetProperty("status").GetString());
        var childRun = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{child}");
        Assert.Equal("completed", childRun.GetProperty("status").GetString());
        Assert.Equal("ended", Assert.Single(childRun.GetProperty("attempts").EnumerateArray()).GetProperty("status").GetString());

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task Sdk_SubRunsWithDependsOn_StartOnlyAfterWhatTheyDependOnCompleted()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var log = new ConcurrentQueue<string>();
        var wakes = new ConcurrentQueue<JsonElement>();
        var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-pipeline", MaxConcurrentRuns = 4 });
        var running = worker.RunAsync("workers", () => new PipelineAgent(log, wakes), stop.Token);

        // build (local) → deploy (another agent's task) → announce (local), spawned at once in one step.
        var taskId = await Api.CreateTaskAsync(fixture.Http, "ship it", Workers);
        var step = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"ship"}""");
        var ids = step.GetProperty("output").GetString()!.Split(' ');
        await Wait.UntilAsync(() => Task.FromResult(wakes.Count), n => n >= 3, TimeSpan.FromSeconds(30), "the three sub-runs to wake the parent");

        var order = log.ToList();
        Assert.True(order.IndexOf("end build") < order.IndexOf("start deploy"), string.Join(", ", order));
        Assert.True(order.IndexOf("end deploy") < order.IndexOf("start announce"), string.Join(", ", order));
        Assert.All(wakes, w => Assert.Equal("completed", w.GetProperty("status").GetString()));
        var announce = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{ids[2]}");
        Assert.Equal(ids[1], Assert.Single(announce.GetProperty("dependencies").EnumerateArray()).GetProperty("runId").GetString());
        Assert.Equal("completed", announce.GetProperty("dependencies")[0].GetProperty("status").GetString());

        // The children listing draws the same graph, page by page.
        var first = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/children?limit=2");
        var second = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/children?limit=2&after={first.GetProperty("after").GetString()}");
        var graph = first.GetProperty("children").EnumerateArray().Concat(second.GetProperty("children").EnumerateArray())
            .Select(c => (c.GetProperty("runId").GetString(), string.Join(",", c.GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString())))).ToList();
        Assert.Equal([(ids[0], ""), (ids[1], ids[0]), (ids[2], ids[1])], graph);

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task Sdk_ReconnectAfterTheServiceEndedAHeldLocalChild_RecoversTheRestOnTheSameAttempt()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-held", MaxConcurrentRuns = 4 });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = worker.RunAsync("workers", () => new FailingDependencyAgent(gate.Task), stop.Token);

        // One local child waits for another agent's task, which fails: the service ends that child (dependency_failed)
        // without a word to this process, which still counts it as alive. A second local child is at work here.
        var taskId = await Api.CreateTaskAsync(fixture.Http, "held child", Workers);
        var step = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"spawn"}""");
        var (local, busy) = (step.GetProperty("output").GetString()!.Split(' ')[0], step.GetProperty("output").GetString()!.Split(' ')[2]);
        await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{busy}"), r => r.GetProperty("status").GetString() == "running",
            TimeSpan.FromSeconds(30), "the busy child to start");
        await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{local}"), r => r.GetProperty("status").GetString() == "failed",
            TimeSpan.FromSeconds(30), "the held child to fail with its dependency");
        var before = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        var connection = before.GetProperty("connection").GetProperty("runtimeConnectionId").GetString()!;

        // A reconnect's recover names both children; the service refuses the ended one (1022): the SDK drops it and
        // recovers the rest, on the same attempt. It used to give the recover up, and the busy child was lost with it.
        fixture.Host.Services.GetRequiredService<AgentService.Server.Runtime.RuntimeSignals>().Close(connection, 1001, "going away (test)");
        var after = await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}"),
            r => r.GetProperty("connection") is { ValueKind: JsonValueKind.Object } c && c.GetProperty("runtimeConnectionId").GetString() != connection,
            TimeSpan.FromSeconds(30), "the parent to re-attach");
        Assert.Equal(before.GetProperty("attempts").GetArrayLength(), after.GetProperty("attempts").GetArrayLength());
        Assert.Equal(before.GetProperty("connection").GetProperty("attemptId").GetString(), after.GetProperty("connection").GetProperty("attemptId").GetString());
        gate.SetResult();
        var finished = await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{busy}"), r => r.GetProperty("status").GetString() is "completed" or "failed",
            TimeSpan.FromSeconds(30), "the busy child to end");
        Assert.Equal("completed", finished.GetProperty("status").GetString());
        var next = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"again"}""");
        Assert.Equal("completed", next.GetProperty("status").GetString());

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task Sdk_AWorkerThatStopsMidSubRun_HandsItToTheNextWorker_WhichFinishesItAndWakesTheParent()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var wakes = new ConcurrentQueue<JsonElement>();
        var stepTraces = new ConcurrentQueue<string>();

        // The first worker's local child works until the worker stops.
        var never = new TaskCompletionSource();
        using (var firstStop = new CancellationTokenSource())
        {
            var first = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-first" });
            var firstRunning = first.RunAsync("workers", () => new DelegatingAgent(wakes, stepTraces, childGate: never.Task, localOnly: true), firstStop.Token);
            var taskId = await Api.CreateTaskAsync(fixture.Http, "delegate and stop", Workers);
            var step = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"spawn"}""");
            var local = step.GetProperty("output").GetString()!;
            await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{local}"), r => r.GetProperty("status").GetString() == "running",
                TimeSpan.FromSeconds(15), "the local child to start");
            await firstStop.CancelAsync();
            await firstRunning.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

            // The worker gave the run back: the child's attempt is over, the child is not.
            var orphan = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{local}");
            Assert.Equal("running", orphan.GetProperty("status").GetString());
            Assert.Equal("lost", orphan.GetProperty("attempts")[0].GetProperty("status").GetString());

            // The next worker claims the parent for its unfinished child, takes the child over and finishes it.
            using var secondStop = new CancellationTokenSource();
            var second = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-second" });
            var secondRunning = second.RunAsync("workers", () => new DelegatingAgent(wakes, stepTraces, localOnly: true), secondStop.Token);
            // (The new attempt has no checkpoint, so it replays the parent's inputs too: its step runs again and
            // spawns a child of its own.)
            await Wait.UntilAsync(() => Task.FromResult(wakes.ToArray()), w => w.Any(e => e.GetProperty("childRunId").GetString() == local),
                TimeSpan.FromSeconds(30), "the taken-over child to wake the parent");
            var wake = wakes.Single(e => e.GetProperty("childRunId").GetString() == local);
            Assert.Equal("completed", wake.GetProperty("status").GetString());
            Assert.Equal("local did: count to 3", wake.GetProperty("summary").GetString());

            var child = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{local}");
            Assert.Equal(["lost", "ended"], child.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("status").GetString()));
            var started = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{local}/events")).GetProperty("events").EnumerateArray()
                .Where(e => e.GetProperty("type").GetString() == "run.started").Select(e => e.GetProperty("data").GetProperty("attemptNumber").GetInt32());
            Assert.Equal([1, 2], started);
            await secondStop.CancelAsync();
            await secondRunning.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task Sdk_HostWithALocalChildWaitingForADependency_DoesNotGoIdle()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(http, new WorkerClientOptions
        {
            ServiceUrl = fixture.Host.BaseAddress,
            WaitSeconds = 5,
            WorkerId = "sdk-idle",
            MaxConcurrentRuns = 4,
            IdleTimeout = TimeSpan.FromSeconds(1),
        });
        var log = new ConcurrentQueue<string>();
        var running = worker.RunAsync("workers", () => new SlowDependencyAgent(log), stop.Token);

        // The other agent's task takes 4 s, four idle timeouts: the parent's host holds the waiting local child meanwhile.
        var taskId = await Api.CreateTaskAsync(fixture.Http, "slow dependency", Workers);
        var step = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"spawn"}""");
        var local = step.GetProperty("output").GetString()!;
        var child = await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{local}"), r => r.GetProperty("status").GetString() is "completed" or "failed",
            TimeSpan.FromSeconds(30), "the waiting child to end");
        Assert.Equal("completed", child.GetProperty("status").GetString());
        Assert.Contains("local ran", log);

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    private sealed class SlowDependencyAgent(ConcurrentQueue<string> log) : IAgent
    {
        public async Task OnTaskStartAsync(IRunContext context, CancellationToken cancellationToken)
        {
            if (context.Task?.ParentRunId is not null)
            {
                await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
                await context.PublishAsync(OutputEvents.RunCompleted("slow done"));
            }
        }

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            var remote = await context.StartAgentTaskAsync("workers", new TaskSpec { Instructions = "slow" }, new SubRunOptions { Await = false }, cancellationToken);
            var local = await context.SpawnSubRunAsync(new TaskSpec { Instructions = "after" }, new SubRunOptions { Await = false, DependsOn = [remote] }, cancellationToken);
            return new StepResult { Output = local };
        }

        public Task<RunResult> OnSubRunAsync(IRunContext context, CancellationToken cancellationToken)
        {
            log.Enqueue("local ran");
            return Task.FromResult(new RunResult { Summary = "ran" });
        }

        public Task OnInputAsync(IRunContext context, InputDelivery delivery, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class FailingDependencyAgent(Task gate) : IAgent
    {
        public async Task OnTaskStartAsync(IRunContext context, CancellationToken cancellationToken)
        {
            if (context.Task?.ParentRunId is not null)
            {
                await context.PublishAsync(OutputEvents.RunFailed("broken", "the dependency broke"));
            }
        }

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            if (input.Input != "spawn")
            {
                return new StepResult { Output = "still here" };
            }

            var remote = await context.StartAgentTaskAsync("workers", new TaskSpec { Instructions = "fail" }, new SubRunOptions { Await = false }, cancellationToken);
            var local = await context.SpawnSubRunAsync(new TaskSpec { Instructions = "never runs" }, new SubRunOptions { Await = false, DependsOn = [remote] }, cancellationToken);
            var busy = await context.SpawnSubRunAsync(new TaskSpec { Instructions = "busy" }, new SubRunOptions { Await = false }, cancellationToken);
            return new StepResult { Output = $"{local} {remote} {busy}" };
        }

        public async Task<RunResult> OnSubRunAsync(IRunContext context, CancellationToken cancellationToken)
        {
            await gate;
            return new RunResult { Summary = "ran" };
        }

        public Task OnInputAsync(IRunContext context, InputDelivery delivery, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class PipelineAgent(ConcurrentQueue<string> log, ConcurrentQueue<JsonElement> wakes) : IAgent
    {
        public async Task OnTaskStartAsync(IRunContext context, CancellationToken cancellationToken)
        {
            if (context.Task?.ParentRunId is not null)
            {
                await WorkAsync(context.Task.Task.Instructions!, cancellationToken);
                await context.PublishAsync(OutputEvents.RunCompleted("done"));
            }
        }

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            var build = await context.SpawnSubRunAsync(new TaskSpec { Instructions = "build" }, cancellationToken: cancellationToken);
            var deploy = await context.StartAgentTaskAsync("workers", new TaskSpec { Instructions = "deploy" }, new SubRunOptions { DependsOn = [build] }, cancellationToken);
            var announce = await context.SpawnSubRunAsync(new TaskSpec { Instructions = "announce" }, new SubRunOptions { DependsOn = [deploy] }, cancellationToken);
            return new StepResult { Output = $"{build} {deploy} {announce}" };
        }

        public async Task<RunResult> OnSubRunAsync(IRunContext context, CancellationToken cancellationToken)
        {
            await WorkAsync(context.Task!.Task.Instructions!, cancellationToken);
            return new RunResult { Summary = "done" };
        }

        public Task OnInputAsync(IRunContext context, InputDelivery delivery, CancellationToken cancellationToken)
        {
            if (delivery.Kind == InputKinds.Wake && delivery.GetWake().SubrunResults is { ValueKind: JsonValueKind.Array } results)
            {
                foreach (var result in results.EnumerateArray())
                {
                    wakes.Enqueue(result.Clone());
                }
            }

            return Task.CompletedTask;
        }

        private async Task WorkAsync(string what, CancellationToken cancellationToken)
        {
            log.Enqueue("start " + what);
            await Task.Delay(50, cancellationToken);
            log.Enqueue("end " + what);
        }
    }

    private sealed class DelegatingAgent(ConcurrentQueue<JsonElement> wakes, ConcurrentQueue<string> stepTraces, Task? childGate = null, bool localOnly = false) : IAgent
    {
        public async Task OnTaskStartAsync(IRunContext context, CancellationToken cancellationToken)
        {
            // A task given to this agent by another run: do it and finish the run.
            if (context.Task?.ParentRunId is not null)
            {
                await context.PublishAsync(OutputEvents.RunCompleted("remote did: " + context.Task.Task.Instructions));
            }
        }

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            stepTraces.Enqueue(input.Delivery!.Delivery.TraceParent);
            var local = await context.SpawnSubRunAsync(new TaskSpec { Instructions = "count to 3" }, cancellationToken: cancellationToken);
            if (localOnly)
            {
                return new StepResult { Output = local };
            }

            var remote = await context.StartAgentTaskAsync("workers", new TaskSpec { Instructions = "check the build" }, cancellationToken: cancellationToken);
            return new StepResult { Output = $"{local} {remote}" };
        }

        public async Task<RunResult> OnSubRunAsync(IRunContext context, CancellationToken cancellationToken)
        {
            if (childGate is not null)
            {
                await childGate.WaitAsync(cancellationToken);
            }

            return new RunResult { Summary = "local did: " + context.Task!.Task.Instructions };
        }

        public Task OnInputAsync(IRunContext context, InputDelivery delivery, CancellationToken cancellationToken)
        {
            if (delivery.Kind == InputKinds.Wake && delivery.GetWake().SubrunResults is { ValueKind: JsonValueKind.Array } results)
            {
                foreach (var result in results.EnumerateArray())
                {
                    wakes.Enqueue(result.Clone());
                }
            }

            return Task.CompletedTask;
        }
    }
}
