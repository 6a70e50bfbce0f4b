using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Runtime.Events;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Worker;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>
/// A worker gives back the runs it holds: when one goes idle or the worker stops, <c>POST /v1/runs/{id}/release</c> ends
/// its attempt, so one worker serves task after task and a restarted worker picks up a stopped one's runs at once.
/// (An Agent Protocol task is a run that stays open for its next step: a worker that held its runs until they finished
/// served one task for ever, and a stopped worker's run waited for its lease to lapse.)
/// </summary>
public sealed class WorkerReleaseTests
{
    private const string Workers = "agents/workers/ap/v1/agent";
    private const string Released = "released by the worker";

    [Fact]
    public async Task AnIdleRun_IsReleased_SoOneWorkerServesTaskAfterTask()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(http, new WorkerClientOptions
        {
            ServiceUrl = fixture.Host.BaseAddress,
            WaitSeconds = 2,
            WorkerId = "one-at-a-time",
            MaxConcurrentRuns = 1,
            IdleTimeout = TimeSpan.FromSeconds(1),
        });
        var running = worker.RunAsync("workers", () => new UpperAgent(), stop.Token);

        var first = await Api.CreateTaskAsync(fixture.Http, "first", Workers);
        Assert.Equal("ONE", (await StepAsync(fixture, first, "one")).GetProperty("output").GetString());
        await AttemptEndedAsync(fixture, first, 0, Released);

        // The worker's only place is free again: the second task runs, and so does the first one's next step (a new claim).
        var second = await Api.CreateTaskAsync(fixture.Http, "second", Workers);
        Assert.Equal("TWO", (await StepAsync(fixture, second, "two")).GetProperty("output").GetString());
        Assert.Equal("THREE", (await StepAsync(fixture, first, "three")).GetProperty("output").GetString());
        var attempts = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{first}")).GetProperty("attempts");
        Assert.Equal(2, attempts.GetArrayLength());

        await stop.CancelAsync();
        await running;
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task AStoppedWorker_ReleasesItsRuns_AndTheNextWorkerTakesThemAtOnce()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var options = new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 2, WorkerId = "stopping" };
        Assert.Equal(TimeSpan.FromSeconds(60), options.IdleTimeout); // the defaults: runs held until idle for a minute
        Assert.Equal(8, options.MaxConcurrentRuns);
        var taskId = await Api.CreateTaskAsync(fixture.Http, "held", Workers);
        using (var stop = new CancellationTokenSource())
        {
            var running = new WorkerClient(http, options).RunAsync("workers", () => new UpperAgent(), stop.Token);
            Assert.Equal("HELD", (await StepAsync(fixture, taskId, "held")).GetProperty("output").GetString());
            await stop.CancelAsync(); // what SIGTERM does to `--worker`
            await running;
        }

        await AttemptEndedAsync(fixture, taskId, 0, Released);
        using var next = new CancellationTokenSource();
        var successor = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 2, WorkerId = "successor" })
            .RunAsync("workers", () => new UpperAgent(), next.Token);
        Assert.Equal("AGAIN", (await StepAsync(fixture, taskId, "again", waitSeconds: 10)).GetProperty("output").GetString());
        await next.CancelAsync();
        await successor;
    }

    [Fact]
    public async Task AClaimThatTakesALapsedRun_FencesTheOldSocket_ItsEventsAreRefused()
    {
        // Lease 3 s, and a sweeper grace long enough that the second claim, not the sweeper, ends the first attempt.
        await using var fixture = await RuntimeFixture.StartAsync("", "--AgentService:Runtime:HeartbeatIntervalMs=1000", "--AgentService:Runtime:LeaseGraceSeconds=120");
        await fixture.CreateTaskWithStepAsync("lapse", Workers);
        var first = (await fixture.ClaimAsync("w1", waitSeconds: 5))!;
        await using var stale = await RawRuntime.ConnectAsync(first.ServiceUrl, first.Token);
        var attach = await stale.AttachAsync(first.RunId, first.AttemptId, "rti_stale");
        var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;

        // No heartbeats: once the lease has lapsed another worker's claim takes the run.
        var second = await Wait.UntilAsync(() => fixture.ClaimAsync("w2", waitSeconds: 1), c => c is not null, TimeSpan.FromSeconds(20), "the lapsed run to be claimable");
        Assert.Equal(first.RunId, second!.RunId);

        // The old socket is still open, but its attempt is over: what it publishes is refused (1005), nothing is stored.
        var late = await stale.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, first,
            RuntimeFixture.Event("log.emitted", first, 1, new JsonObject { ["level"] = "info", ["message"] = "too late" })));
        Assert.Equal(1005, late.GetProperty("error").GetProperty("code").GetInt32());
        var events = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{first.RunId}/events");
        Assert.DoesNotContain(events.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "log.emitted");
    }

    [Fact]
    public async Task Release_RefusesWhatIsNotAWorkersAttempt()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("launched");
        var launched = await fixture.WaitForLaunchAsync(taskId);
        await fixture.CreateTaskWithStepAsync("claimable", Workers);
        var claim = (await fixture.ClaimAsync("w1", waitSeconds: 5))!;

        Task<HttpResponseMessage> Release(string runId, string? token, string body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"v1/runs/{runId}/release") { Content = Api.Json(body) };
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return fixture.Http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await Release(claim.RunId, launched.Token, $$"""{"attemptId":"{{claim.AttemptId}}"}""")).StatusCode); // another run's token
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Release(claim.RunId, claim.Token, """{}""")).StatusCode);
        await Api.AssertInvalidAsync(await Release(claim.RunId, claim.Token, """{"attemptId":"att_zzz"}"""), "attemptId");
        await Api.AssertInvalidAsync(await Release(claim.RunId, claim.Token, $$"""{"attemptId":"{{claim.AttemptId}}","force":true}"""), "force");
        Assert.Equal(HttpStatusCode.NotFound, (await Release(claim.RunId, claim.Token, """{"attemptId":"att_01jq3v8d6ef5tr9w2k7m4n8p0x"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Release(launched.RunId, launched.Token, $$"""{"attemptId":"{{launched.AttemptId}}"}""")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Release(claim.RunId, claim.Token, $$"""{"attemptId":"{{claim.AttemptId}}"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Release(claim.RunId, claim.Token, $$"""{"attemptId":"{{claim.AttemptId}}"}""")).StatusCode); // again: over already
        var again = await fixture.ClaimAsync("w2", waitSeconds: 5);
        Assert.Equal(claim.RunId, again?.RunId); // claimable at once, not after the claim's lease
    }

    [Fact]
    public async Task WithAWorkerToken_ReleasingTakesTheRunTokenOrTheWorkerToken_EvenInModeNone()
    {
        await using var fixture = await RuntimeFixture.StartAsync("", "--AgentService:Runtime:WorkerToken=wtok-123");
        await fixture.CreateTaskWithStepAsync("guarded", Workers);
        using (var unclaimed = await fixture.Http.PostAsync("v1/agents/workers/claims?waitSeconds=0", Api.Json("""{"workerId":"w","leaseSeconds":60}""")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unclaimed.StatusCode); // claims take the worker token too
        }

        using var claimRequest = new HttpRequestMessage(HttpMethod.Post, "v1/agents/workers/claims?waitSeconds=5") { Content = Api.Json("""{"workerId":"w","leaseSeconds":60}""") };
        claimRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wtok-123");
        using var claimed = await fixture.Http.SendAsync(claimRequest);
        var claim = await Api.ReadJsonAsync(claimed, HttpStatusCode.OK);
        var (runId, attemptId, runToken) = (claim.GetProperty("runId").GetString()!, claim.GetProperty("attemptId").GetString()!, claim.GetProperty("runToken").GetString()!);

        async Task<HttpStatusCode> Release(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/runs/{runId}/release") { Content = Api.Json($$"""{"attemptId":"{{attemptId}}"}""") };
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await fixture.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await Release(null)); // any local caller is the anonymous admin, but not a worker
        Assert.Equal(HttpStatusCode.NoContent, await Release(runToken));
        Assert.Equal(HttpStatusCode.NoContent, await Release("wtok-123"));
    }

    [Fact]
    public async Task AnAgentThatEndsTheRunInAStep_KeepsTheStepsOutput()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var running = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 2, WorkerId = "finisher" })
            .RunAsync("workers", () => new FinishingAgent(), stop.Token);

        var taskId = await Api.CreateTaskAsync(fixture.Http, "finish", Workers);
        var step = await StepAsync(fixture, taskId, "done");
        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("finished: done", step.GetProperty("output").GetString());
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var types = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events?limit=100")).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("run.finished", types[^1]);
        Assert.Equal("step.finished", types[^2]);
        // The finished run's attempt is over with it (the worker's run token stopped working with the run).
        var attempt = Assert.Single((await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}")).GetProperty("attempts").EnumerateArray());
        Assert.Equal("ended", attempt.GetProperty("status").GetString());
        Assert.Equal("run finished", attempt.GetProperty("exitReason").GetString());

        await stop.CancelAsync();
        await running;
    }

    private static async Task<JsonElement> StepAsync(RuntimeFixture fixture, string taskId, string input, int waitSeconds = 20)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{taskId}/steps") { Content = Api.Json($$"""{"input":"{{input}}"}""") };
        request.Headers.Add("Prefer", $"wait={waitSeconds}");
        using var response = await fixture.Http.SendAsync(request);
        var step = await Api.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.True(step.GetProperty("status").GetString() == "completed", step.ToString());
        return step;
    }

    private static Task<JsonElement> AttemptEndedAsync(RuntimeFixture fixture, string runId, int index, string reason) =>
        Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"v1/runs/{runId}"),
            run => run.GetProperty("attempts") is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() > index
                && a[index].GetProperty("status").GetString() == "ended" && a[index].GetProperty("exitReason").GetString() == reason,
            TimeSpan.FromSeconds(20), $"attempt {index} of {runId} to be {reason}");

    private sealed class UpperAgent : IAgent
    {
        public Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken) =>
            Task.FromResult(new StepResult { Output = input.Input?.ToUpperInvariant() });
    }

    /// <summary>Ends the run from inside its step, as runtime-sdk.md describes, and still answers the step.</summary>
    private sealed class FinishingAgent : IAgent
    {
        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            await context.PublishAsync(OutputEvents.RunCompleted("all done"));
            return new StepResult { Output = "finished: " + input.Input, IsLast = true };
        }
    }
}
