using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>Attempts, leases, worker claims and restarts: nothing acknowledged is lost, no step is completed twice.</summary>
// The run, delivery and event stores are SQLite-only so far: the PostgreSQL run of the suite leaves these out.
public sealed class RuntimeLifecycleTests
{
    private const string Workers = "agents/workers/ap/v1/agent";

    private static async Task<string> AttachAsync(RawRuntime runtime, LaunchedRuntime launched, long epoch = 0, bool reconnect = false)
    {
        var attach = await runtime.AttachAsync(launched.RunId, launched.AttemptId, epoch: epoch, reconnect: reconnect);
        Assert.True(attach.TryGetProperty("result", out var result), attach.ToString());
        return result.GetProperty("runtimeConnectionId").GetString()!;
    }

    [Fact]
    public async Task Claims_FromConcurrentWorkers_NeverHandOneRunToTwo()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var runIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            runIds.Add((await fixture.CreateTaskWithStepAsync($"job {i}", Workers)).TaskId);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => fixture.ClaimAsync($"worker-{i}")));

        var granted = claims.Where(c => c is not null).Select(c => c!.RunId).ToList();
        Assert.Equal(runIds.Order(), granted.Order());
        Assert.Equal(7, claims.Count(c => c is null));
        Assert.Null(await fixture.ClaimAsync("late-worker"));
        Assert.Empty(fixture.Host.Errors);
    }

    [Theory]
    [InlineData("manual", """{"workerId":"w","leaseSeconds":60}""", 404, null)]
    [InlineData("echo", """{"workerId":"w"}""", 404, null)]
    [InlineData("workers", """{"workerId":"w","leaseSeconds":"60"}""", 422, "leaseSeconds")]
    [InlineData("workers", """{"workerId":"w","leaseSeconds":true}""", 422, "leaseSeconds")]
    [InlineData("workers", """{"workerId":"w","leaseSeconds":null}""", 422, "leaseSeconds")]
    public async Task Claim_OfALaunchedOrInProcessAgent_OrWithAWrongType_IsRefusedAndHandsOutNothing(string agentId, string body, int status, string? field)
    {
        // A launch-mode agent's run gets the launcher's process: a worker holding a claim on it would be superseded.
        await using var fixture = await RuntimeFixture.StartAsync();
        await fixture.CreateTaskWithStepAsync("work", agentId == "workers" ? Workers : $"agents/{agentId}/ap/v1/agent");

        using var response = await fixture.Http.PostAsync($"v1/agents/{agentId}/claims?waitSeconds=0", Api.Json(body));

        var error = await Api.ReadJsonAsync(response, (System.Net.HttpStatusCode)status);
        if (field is not null)
        {
            Assert.Equal(field, error.GetProperty("errors")[0].GetProperty("field").GetString());
        }

        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task RunFinished_CompletesTheStepsItLeftUnfinished_WithTheRunsEnd_AndWakesTheirRequests()
    {
        // A step posted while a graceful cancel is on its way to the runtime (or one the runtime never got to) would
        // otherwise stay created for good, and its POST would wait for nothing.
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, firstStepId) = await fixture.CreateTaskWithStepAsync("work", Workers);
        var claim = (await fixture.ClaimAsync("canceller"))!;
        await using var runtime = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        var connectionId = await AttachAsync(runtime, claim);
        var started = RuntimeFixture.Event("run.started", claim, 1, new JsonObject { ["attemptNumber"] = 1 });
        Assert.True((await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim, started))).TryGetProperty("result", out _));

        using var post = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"one more"}""") };
        post.Headers.Add("Prefer", "wait=60");
        var waiting = fixture.Http.SendAsync(post);
        await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps"),
            s => s.GetProperty("pagination").GetProperty("total_items").GetInt32() == 2, what: "the second step to be stored");

        var finished = RuntimeFixture.Event("run.finished", claim, 2, new JsonObject { ["status"] = "cancelled" });
        Assert.True((await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim, finished))).TryGetProperty("result", out _));

        using var response = await waiting;
        var second = await Api.ReadJsonAsync(response, System.Net.HttpStatusCode.OK);
        Assert.Equal("completed", second.GetProperty("status").GetString());
        var error = second.GetProperty("additional_output").GetProperty("error");
        Assert.Equal("cancelled", error.GetProperty("type").GetString());
        Assert.Equal("run_finished", error.GetProperty("code").GetString());
        var first = await Api.GetJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps/{firstStepId}");
        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal("cancelled", first.GetProperty("additional_output").GetProperty("error").GetProperty("type").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task FinishedRun_TakesNoMoreEvents_SoItsFinalStatusCannotChange()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("finish me", Workers);
        var claim = (await fixture.ClaimAsync("finisher"))!;
        await using var runtime = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        var connectionId = await AttachAsync(runtime, claim);
        var started = RuntimeFixture.Event("run.started", claim, 1, new JsonObject { ["attemptNumber"] = 1 });
        Assert.True((await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim, started))).TryGetProperty("result", out _));

        // Nothing may follow run.finished in its own batch: refused whole.
        var trailing = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("run.finished", claim, 2, new JsonObject { ["status"] = "completed" }),
            RuntimeFixture.Event("log.emitted", claim, 3, new JsonObject { ["level"] = "info", ["message"] = "after the end" })));
        Assert.Equal(-32602, trailing.GetProperty("error").GetProperty("code").GetInt32());

        var finished = RuntimeFixture.Event("run.finished", claim, 2, new JsonObject { ["status"] = "completed" });
        Assert.True((await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim, (JsonObject)finished.DeepClone()))).TryGetProperty("result", out _));

        // A second run.finished (or any new event) is 1022 run_finished, fatal for the run; the first finish stands.
        var again = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("run.finished", claim, 3, new JsonObject { ["status"] = "failed", ["error"] = new JsonObject { ["code"] = "x", ["message"] = "second finish" } })));
        var error = again.GetProperty("error");
        Assert.Equal(1022, error.GetProperty("code").GetInt32());
        Assert.Equal("run", error.GetProperty("data").GetProperty("fatal").GetString());

        // The accepted batch resent (same ids and seq, as after a reconnect) is still accepted and ignored.
        var resent = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim, (JsonObject)finished.DeepClone()));
        Assert.True(resent.TryGetProperty("result", out _), resent.ToString());

        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var events = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events");
        Assert.Single(events.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "run.finished");
        Assert.DoesNotContain(events.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "log.emitted");
    }

    [Fact]
    public async Task Claim_IsAnsweredWhenWorkArrivesDuringTheWait_AndTheClaimedRunAttaches()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var waiting = fixture.ClaimAsync("patient", waitSeconds: 20);
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("late work", Workers);

        var claim = await waiting;

        Assert.NotNull(claim);
        Assert.Equal(taskId, claim.RunId);
        await using var runtime = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        await AttachAsync(runtime, claim);
        var (_, start) = await runtime.NextDeliveryAsync();
        Assert.Equal("task.start", start.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Claim_NotFollowedByAnAttach_ReturnsTheRunToThePool()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("orphan", Workers);
        var first = await fixture.ClaimAsync("vanishing", leaseSeconds: 5);
        Assert.Equal(taskId, first!.RunId);
        Assert.Null(await fixture.ClaimAsync("second"));

        var second = await Wait.UntilAsync(() => fixture.ClaimAsync("second"), c => c is not null, TimeSpan.FromSeconds(20), "the claim to lapse");

        Assert.Equal(taskId, second!.RunId);
        Assert.NotEqual(first.AttemptId, second.AttemptId);
        await using var stale = await RawRuntime.ConnectAsync(first.ServiceUrl, first.Token);
        var refused = await stale.AttachAsync(first.RunId, first.AttemptId);
        Assert.Equal(1004, refused.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task AnotherInstance_AfterTheLeaseLapsed_TakesOver_WithARunResumeSayingSo()
    {
        // PROTOCOL.md §5: another instance after expiry with a higher epoch is a takeover (run.resume, 'takeover').
        await using var fixture = await RuntimeFixture.StartAsync("", "--AgentService:Runtime:HeartbeatIntervalMs=1000", "--AgentService:Runtime:LeaseGraceSeconds=60");
        await fixture.CreateTaskWithStepAsync("taken over", Workers);
        var claim = (await fixture.ClaimAsync("first"))!;
        await using var first = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        await AttachAsync(first, claim);

        // No heartbeats: the 3 s lease lapses, and the long grace keeps the attempt from being marked lost meanwhile.
        await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{claim.RunId}"),
            r => DateTimeOffset.Parse(r.GetProperty("attempts")[0].GetProperty("leaseExpiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture) < DateTimeOffset.UtcNow,
            what: "the lease to lapse");
        await using var other = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        var attach = await other.AttachAsync(claim.RunId, claim.AttemptId, instanceId: "rti_other", epoch: 1);
        Assert.True(attach.TryGetProperty("result", out _), attach.ToString());

        var (_, resume) = await other.NextDeliveryAsync();
        Assert.Equal("run.resume", resume.GetProperty("kind").GetString());
        Assert.Equal("takeover", resume.GetProperty("payload").GetProperty("reason").GetString());
        Assert.Empty(other.SchemaErrors);
    }

    [Fact]
    public async Task LeaseExpiry_StartsANewAttemptThatResumesAndFinishesTheStep()
    {
        await using var fixture = await RuntimeFixture.StartAsync("", "--AgentService:Runtime:HeartbeatIntervalMs=1000", "--AgentService:Runtime:LeaseGraceSeconds=0");
        var (taskId, stepId) = await fixture.CreateTaskWithStepAsync("survive");
        var first = await fixture.WaitForLaunchAsync(taskId);
        await using var silent = await RawRuntime.ConnectAsync(first.ServiceUrl, first.Token);
        await AttachAsync(silent, first);

        // No heartbeats: after 3 s the lease lapses, the socket is closed with 4002 and attempt 2 starts.
        Assert.Equal((WebSocketCloseStatus)4002, await silent.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        var second = await fixture.WaitForLaunchAsync(taskId, attemptNumber: 2);
        await using var runtime = await RawRuntime.ConnectAsync(second.ServiceUrl, second.Token);
        var connectionId = await AttachAsync(runtime, second);

        var (resumeId, resume) = await runtime.NextDeliveryAsync();
        Assert.Equal("run.resume", resume.GetProperty("kind").GetString());
        Assert.Equal(2, resume.GetProperty("payload").GetProperty("attemptNumber").GetInt32());
        Assert.Equal(0, resume.GetProperty("payload").GetProperty("inputCursor").GetInt64());
        await runtime.AcknowledgeAsync(resumeId);
        var (_, start) = await runtime.NextDeliveryAsync();
        Assert.Equal(1, start.GetProperty("sequence").GetInt64());
        var (_, step) = await runtime.NextDeliveryAsync();
        Assert.Equal(stepId, step.GetProperty("payload").GetProperty("stepId").GetString());

        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, second,
            RuntimeFixture.Event("step.finished", second, 1, new JsonObject { ["stepId"] = stepId, ["status"] = "completed", ["output"] = "done by attempt 2", ["isLast"] = true })));
        var finished = await Api.GetJsonAsync(fixture.Http, $"{RuntimeFixture.Prefix}/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("done by attempt 2", finished.GetProperty("output").GetString());
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal(["lost", "active"], run.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("status").GetString()));

        // The log says why the work started again: a service error.occurred for the lost attempt (PROTOCOL.md §5).
        var lost = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events")).GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("type").GetString() == "error.occurred");
        Assert.Equal("attempt_lost", lost.GetProperty("data").GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(first.AttemptId, lost.GetProperty("data").GetProperty("error").GetProperty("details").GetProperty("attemptId").GetString());
        Assert.Equal("runtime", lost.GetProperty("data").GetProperty("scope").GetString());
        Assert.False(lost.GetProperty("data").GetProperty("fatal").GetBoolean());
        Assert.Empty(runtime.SchemaErrors);
    }

    [Fact]
    public async Task RuntimeProcessKilledMidStep_ANewAttemptFinishesIt_AndALateAnswerDoesNotCompleteItTwice()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, stepId) = await fixture.CreateTaskWithStepAsync("crash me");
        var first = await fixture.WaitForLaunchAsync(taskId);
        await using (var runtime = await RawRuntime.ConnectAsync(first.ServiceUrl, first.Token))
        {
            await AttachAsync(runtime, first);
            await runtime.NextDeliveryAsync();
            await runtime.NextDeliveryAsync(); // the step arrives; the process dies before answering
            var pid = (await File.ReadAllTextAsync(Path.Combine(fixture.Dir.File("env"), first.AttemptId + ".env"))).Length; // proves the file exists
            Assert.True(pid > 0);
            KillRuntimeProcesses(first.AttemptId);
        }

        var second = await fixture.WaitForLaunchAsync(taskId, attemptNumber: 2);
        await using var next = await RawRuntime.ConnectAsync(second.ServiceUrl, second.Token);
        var connectionId = await AttachAsync(next, second);
        var (resumeId, resume) = await next.NextDeliveryAsync();
        Assert.Equal("run.resume", resume.GetProperty("kind").GetString());
        await next.AcknowledgeAsync(resumeId);
        await next.NextDeliveryAsync();
        var (_, step) = await next.NextDeliveryAsync();
        Assert.Equal(stepId, step.GetProperty("payload").GetProperty("stepId").GetString());
        var finish = RuntimeFixture.Event("step.finished", second, 1, new JsonObject { ["stepId"] = stepId, ["status"] = "completed", ["output"] = "first answer" });
        await next.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, second, finish));
        var again = RuntimeFixture.Event("step.finished", second, 2, new JsonObject { ["stepId"] = stepId, ["status"] = "completed", ["output"] = "second answer" });
        await next.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, second, again));

        var stored = await Api.GetJsonAsync(fixture.Http, $"{RuntimeFixture.Prefix}/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("first answer", stored.GetProperty("output").GetString());
    }

    [Fact]
    public async Task RuntimeProcessExitsBeforeItsSocketCloses_TheNextAttemptStartsWhenTheSocketCloses()
    {
        // The exit of a process and the close of its socket are seen apart. When the exit is handled first, the socket
        // still holds the run and no attempt is started then; the launcher must look again when the socket closes, or
        // the run waits forever (a kill of the chaos test can land either way).
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("crash me");
        var first = await fixture.WaitForLaunchAsync(taskId);
        await using (var runtime = await RawRuntime.ConnectAsync(first.ServiceUrl, first.Token))
        {
            await AttachAsync(runtime, first);
            await runtime.NextDeliveryAsync();
            await runtime.NextDeliveryAsync();
            KillRuntimeProcesses(first.AttemptId);
            await Wait.UntilAsync(
                () => Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}"),
                r => r.GetProperty("attempts")[0].GetProperty("status").GetString() == "ended",
                TimeSpan.FromSeconds(20),
                "the process exit to end attempt 1");
            Assert.Equal(1, (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}")).GetProperty("attempts").GetArrayLength());
        }

        var second = await fixture.WaitForLaunchAsync(taskId, attemptNumber: 2);
        await using var next = await RawRuntime.ConnectAsync(second.ServiceUrl, second.Token);
        await AttachAsync(next, second);
        var (_, resume) = await next.NextDeliveryAsync();
        Assert.Equal("run.resume", resume.GetProperty("kind").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Theory]
    [InlineData("""{"accepted":false}""")]
    [InlineData("""{"accepted":true,"extra":1}""")]
    [InlineData("""true""")]
    public async Task AReplyOtherThanAccepted_IsNoAcknowledgement_AndTheInputComesAgain(string result)
    {
        // PROTOCOL.md §2: an unexpected accepted:false (or any result off the schema) is a retryable 'unavailable'.
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("refused once", Workers);
        var claim = (await fixture.ClaimAsync("fussy"))!;
        var runtime = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        var connectionId = await AttachAsync(runtime, claim);
        var (startRequest, _) = await runtime.NextDeliveryAsync();
        await runtime.AcknowledgeAsync(startRequest);
        var (stepRequest, step) = await runtime.NextDeliveryAsync();
        await runtime.SendTextAsync($$"""{"jsonrpc":"2.0","id":"{{stepRequest}}","result":{{result}}}""");
        await runtime.RequestAsync("runtime.connection.heartbeat.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = taskId });
        Assert.Equal("pending", (string?)await fixture.Host.ExecuteSqlAsync("SELECT status FROM deliveries WHERE sequence = 2 AND run_id = @run", new Dictionary<string, object?> { ["run"] = taskId }));
        runtime.Abort();
        await runtime.DisposeAsync();

        await using var again = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        var reconnected = await AttachAsync(again, claim, epoch: 1, reconnect: true);
        await again.RequestAsync("runtime.connection.recover.command", new JsonObject { ["runtimeConnectionId"] = reconnected, ["mainRunId"] = taskId });
        var (_, redelivered) = await again.NextDeliveryAsync();
        Assert.Equal(step.GetProperty("deliveryId").GetString(), redelivered.GetProperty("deliveryId").GetString());
        Assert.Equal(2, redelivered.GetProperty("deliveryCount").GetInt32());
    }

    [Fact]
    public async Task ServerRestartMidRun_TheRuntimeReattachesAndGetsUnacknowledgedInputsAgain()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, stepId) = await fixture.CreateTaskWithStepAsync("through a restart", Workers);
        var claim = await fixture.ClaimAsync("steady");
        var runtime = await RawRuntime.ConnectAsync(claim!.ServiceUrl, claim.Token);
        await AttachAsync(runtime, claim);
        var (startRequest, start) = await runtime.NextDeliveryAsync();
        await runtime.AcknowledgeAsync(startRequest);
        var (_, step) = await runtime.NextDeliveryAsync(); // not acknowledged before the restart
        await Wait.UntilAsync(
            () => fixture.Host.ExecuteSqlAsync("SELECT status FROM deliveries WHERE sequence = 1 AND run_id = @run", new Dictionary<string, object?> { ["run"] = taskId }),
            s => (string?)s == "acked", what: "task.start to be acknowledged");

        await fixture.Host.RestartAsync();
        Assert.Equal((WebSocketCloseStatus)1012, await runtime.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        await runtime.DisposeAsync();

        var resumed = claim with { ServiceUrl = fixture.Host.BaseAddress };
        await using var again = await RawRuntime.ConnectAsync(resumed.ServiceUrl, resumed.Token);
        var connectionId = await AttachAsync(again, resumed, epoch: 1, reconnect: true);
        await again.RequestAsync("runtime.connection.recover.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["mainRunId"] = taskId });
        var (_, redelivered) = await again.NextDeliveryAsync();
        Assert.Equal(step.GetProperty("deliveryId").GetString(), redelivered.GetProperty("deliveryId").GetString());
        Assert.Equal(2, redelivered.GetProperty("sequence").GetInt64());
        Assert.Equal(start.GetProperty("runId").GetString(), redelivered.GetProperty("runId").GetString());
        await again.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, resumed,
            RuntimeFixture.Event("step.finished", resumed, 1, new JsonObject { ["stepId"] = stepId, ["status"] = "completed", ["output"] = "after restart" })));
        using var http = fixture.Host.CreateClient();
        var stored = await Api.GetJsonAsync(http, $"{Workers}/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("after restart", stored.GetProperty("output").GetString());
        Assert.Empty(again.SchemaErrors);
    }

    [Fact]
    public async Task RuntimeThatKeepsCrashing_FailsTheRunAfterMaxAttempts_WithTheReasonRecorded()
    {
        await using var fixture = await RuntimeFixture.StartAsync(
            """{"id": "crasher", "runtime": {"command": "/bin/sh", "args": ["-c", "echo boom >&2; exit 3"]}}""",
            "--AgentService:Runtime:RestartBackoffSeconds=0.05");
        var (taskId, stepId) = await fixture.CreateTaskWithStepAsync("crash", "agents/crasher/ap/v1/agent");

        var run = await fixture.WaitForRunStatusAsync(taskId, "failed");

        // The step nobody will run completes with the reason as its error; the log ends with the service's run.finished.
        var step = await Api.GetJsonAsync(fixture.Http, $"agents/crasher/ap/v1/agent/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("completed", step.GetProperty("status").GetString());
        var error = step.GetProperty("additional_output").GetProperty("error");
        Assert.Equal("runtime_failed", error.GetProperty("code").GetString());
        Assert.Contains("failed 3 attempt(s) in a row", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var finished = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events")).GetProperty("events").EnumerateArray().Last();
        Assert.Equal("run.finished", finished.GetProperty("type").GetString());
        Assert.Equal("failed", finished.GetProperty("data").GetProperty("status").GetString());

        var attempts = run.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.StartsWith("failed: process exited with code 3", a.GetProperty("exitReason").GetString()));
        var logs = Directory.GetFiles(Path.Combine(fixture.Host.DataDir, "runs", taskId), "*.log");
        Assert.Equal(3, logs.Length);
        Assert.All(logs, f => Assert.Contains(" err boom", File.ReadAllText(f), StringComparison.Ordinal));
    }

    [Fact]
    public async Task RuntimeThatExitsRightAfterALotOfOutput_EveryLineItWrote_IsInItsAttemptLog()
    {
        // A crashing runtime's last words (its stack trace) come last, after whatever it wrote before: its log must
        // not be closed while the pipes still hold output when the exit is seen.
        await using var fixture = await RuntimeFixture.StartAsync(
            """{"id": "talker", "runtime": {"command": "/bin/sh", "args": ["-c", "seq 1 20000; echo last words >&2; exit 3"]}}""",
            "--AgentService:Runtime:RestartBackoffSeconds=0.05");
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("talk", "agents/talker/ap/v1/agent");

        var run = await fixture.WaitForRunStatusAsync(taskId, "failed", 30);

        var attempts = run.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("attemptId").GetString()!).ToList();
        Assert.Equal(3, attempts.Count);
        foreach (var attemptId in attempts)
        {
            var lines = await File.ReadAllLinesAsync(fixture.AttemptLog(taskId, attemptId));
            Assert.Equal(20001, lines.Length);
            Assert.Single(lines, l => l.EndsWith(" out 20000", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith(" err last words", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(fixture.Host.Errors, e => e.Contains("Unhandled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RuntimeThatExitsLeavingAChildHoldingItsOutput_TheAttemptStillEnds_AfterABoundedWait()
    {
        // The child inherits the pipes, so the runtime's output never ends: the launcher stops waiting for it after
        // 5 s, keeps what came, and the attempt ends (here with its run, MaxAttempts = 1).
        await using var fixture = await RuntimeFixture.StartAsync(
            """{"id": "forker", "runtime": {"command": "/bin/sh", "args": ["-c", "sleep 20 & echo left a child; exit 3"]}}""",
            "--AgentService:Runtime:MaxAttempts=1");
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("fork", "agents/forker/ap/v1/agent");

        var run = await fixture.WaitForRunStatusAsync(taskId, "failed");

        var attemptId = Assert.Single(run.GetProperty("attempts").EnumerateArray()).GetProperty("attemptId").GetString()!;
        var log = await File.ReadAllTextAsync(fixture.AttemptLog(taskId, attemptId));
        Assert.Contains(" out left a child", log, StringComparison.Ordinal);
        Assert.Contains(fixture.Host.Warnings, w => w.Contains("[5012]", StringComparison.Ordinal) && w.Contains(attemptId, StringComparison.Ordinal));
    }

    private static void KillRuntimeProcesses(string attemptId)
    {
        foreach (var process in System.Diagnostics.Process.GetProcessesByName("sleep"))
        {
            try
            {
                var environ = File.ReadAllText($"/proc/{process.Id}/environ");
                if (environ.Contains(attemptId, StringComparison.Ordinal))
                {
                    process.Kill();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
            }
            finally
            {
                process.Dispose();
            }
        }
    }
}
