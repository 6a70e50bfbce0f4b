using System.Diagnostics;
using System.Text.Json;
using AgentService.Runtime.Worker;
using AgentService.Samples.EchoAgent;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>The C# runtime SDK against the real server: a worker in this process, and the EchoAgent sample as a
/// process launched by the service.</summary>
public sealed class SdkEndToEndTests
{
    private const string Workers = "agents/workers/ap/v1/agent";

    [Fact]
    public async Task Worker_ClaimsTheRunAndAnswersEveryStep()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "sdk-test" });
        var running = worker.RunAsync("workers", () => new EchoStepAgent(), stop.Token);

        var taskId = await Api.CreateTaskAsync(fixture.Http, "the instructions", Workers);
        var first = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", "{}");
        var second = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"again"}""");

        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal("the instructions", first.GetProperty("output").GetString());
        Assert.Equal("again", second.GetProperty("output").GetString());
        Assert.True(second.GetProperty("is_last").GetBoolean());
        var events = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events?limit=100");
        var types = events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("run.started", types[0]);
        Assert.Equal(2, types.Count(t => t == "step.finished"));
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task LaunchedEchoAgentProcess_RunsTheSteps()
    {
        // The sample's own build output (with its deps.json), built with the same configuration as these tests.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var echoDll = Path.Combine(RepoPaths.Root, "samples", "EchoAgent", "bin", configuration, "net10.0", "EchoAgent.dll");
        Assert.True(File.Exists(echoDll), $"build the sample first: {echoDll}");
        var agent = JsonSerializer.Serialize(new { id = "echo-process", runtime = new { command = "dotnet", args = new[] { echoDll } } });

        await using var fixture = await RuntimeFixture.StartAsync(agent);
        const string prefix = "agents/echo-process/ap/v1/agent";
        var taskId = await Api.CreateTaskAsync(fixture.Http, "from a process", prefix);
        var clock = Stopwatch.StartNew();
        var step = await Api.PostJsonAsync(fixture.Http, $"{prefix}/tasks/{taskId}/steps", """{"input":"over the wire"}""");

        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("over the wire", step.GetProperty("output").GetString());
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal("active", run.GetProperty("attempts")[0].GetProperty("status").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task LaunchedSettingsAgent_ReadsConfigAndSecretsAndKeepsKvAcrossSteps()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepoPaths.Root, "samples", "SettingsAgent", "bin", configuration, "net10.0", "SettingsAgent.dll");
        Assert.True(File.Exists(dll), $"build the sample first: {dll}");
        var agent = JsonSerializer.Serialize(new
        {
            id = "settings",
            config = new { model = "model-7" },
            secrets = new { API_KEY = "0123456789" },
            runtime = new { command = "dotnet", args = new[] { dll } },
        });

        await using var fixture = await RuntimeFixture.StartAsync(agent);
        const string prefix = "agents/settings/ap/v1/agent";
        var taskId = await Api.CreateTaskAsync(fixture.Http, "count", prefix);
        var first = await Api.PostJsonAsync(fixture.Http, $"{prefix}/tasks/{taskId}/steps", "{}");
        var second = await Api.PostJsonAsync(fixture.Http, $"{prefix}/tasks/{taskId}/steps", "{}");

        Assert.Equal("step 1 with model model-7; API_KEY has 10 characters", first.GetProperty("output").GetString());
        Assert.Equal("step 2 with model model-7; API_KEY has 10 characters", second.GetProperty("output").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task Cancel_IsDeliveredToTheRuntimeAndFinishesTheRunAsCancelled()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = fixture.Host.BaseAddress, WaitSeconds = 5, WorkerId = "cancel-test" });
        var running = worker.RunAsync("workers", () => new EchoStepAgent(), stop.Token);
        var taskId = await Api.CreateTaskAsync(fixture.Http, "to be cancelled", Workers);
        await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", "{}");

        var accepted = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", """{"mode":"immediate","reason":"user asked"}""", System.Net.HttpStatusCode.Accepted);

        Assert.Equal(3, accepted.GetProperty("sequence").GetInt64());
        var run = await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}"), r => r.GetProperty("status").GetString() == "cancelled", what: "the run to be cancelled");
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        var again = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", "{}", System.Net.HttpStatusCode.Conflict);
        Assert.Contains("cancelled", again.GetProperty("message").GetString());
        using (var malformed = await fixture.Http.PostAsync($"v1/runs/{taskId}/cancel", Api.Json("""{"mode":"graceful" """)))
        {
            await Api.AssertInvalidAsync(malformed, "body"); // the request is checked before the run's state
        }

        await Api.PostJsonAsync(fixture.Http, "v1/runs/run_01jq3v8d6ef5tr9w2k7m4n8p0x/cancel", "{}", System.Net.HttpStatusCode.NotFound);

        // A step for the ended run would never run: it is refused at once, and nothing of it is stored.
        var refused = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"after the cancel"}""", System.Net.HttpStatusCode.Conflict);
        Assert.Contains("has ended (cancelled)", refused.GetProperty("message").GetString());
        var steps = await Api.GetJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps");
        Assert.Equal(1, steps.GetProperty("pagination").GetProperty("total_items").GetInt32());
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Theory]
    [InlineData("""{"mode":"eventually"}""", "mode")]
    [InlineData("""{"mode":"immediate","x":1}""", "x")]
    public async Task Cancel_WithABadMode_OrAnUnknownMember_Is422AndChangesNothing(string body, string field)
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var taskId = await Api.CreateTaskAsync(fixture.Http, "x", Workers);

        using var response = await fixture.Http.PostAsync($"v1/runs/{taskId}/cancel", Api.Json(body));

        await Api.AssertInvalidAsync(response, field);
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal("queued", run.GetProperty("status").GetString());
        var valid = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", "{}", System.Net.HttpStatusCode.Accepted);
        Assert.Equal(2, valid.GetProperty("sequence").GetInt64()); // the refused cancel took no sequence
    }

    [Fact]
    public async Task Cancel_AskedAgainWhileOneIsPending_AnswersWithThatCancel_UnlessItEscalatesToImmediate()
    {
        // The runtime stops at the first cancel: extra cancel deliveries could never be acknowledged.
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("claimed, not yet attached", Workers);
        var claim = (await fixture.ClaimAsync("slow"))!;

        var first = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", "{}", System.Net.HttpStatusCode.Accepted);
        var second = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", """{"mode":"graceful"}""", System.Net.HttpStatusCode.Accepted);
        Assert.Equal(first.GetProperty("deliveryId").GetString(), second.GetProperty("deliveryId").GetString());
        Assert.Equal(3, second.GetProperty("sequence").GetInt64());

        var immediate = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", """{"mode":"immediate"}""", System.Net.HttpStatusCode.Accepted);
        Assert.NotEqual(first.GetProperty("deliveryId").GetString(), immediate.GetProperty("deliveryId").GetString());
        Assert.Equal(4, immediate.GetProperty("sequence").GetInt64());

        // Once escalated, the immediate cancel answers for whatever is asked next: no cancel is stored a third time.
        var immediateAgain = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", """{"mode":"immediate"}""", System.Net.HttpStatusCode.Accepted);
        Assert.Equal(immediate.GetProperty("deliveryId").GetString(), immediateAgain.GetProperty("deliveryId").GetString());
        var graceful = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", "{}", System.Net.HttpStatusCode.Accepted);
        Assert.Equal(immediate.GetProperty("deliveryId").GetString(), graceful.GetProperty("deliveryId").GetString());
        Assert.Equal("immediate", graceful.GetProperty("mode").GetString());

        // The worker, once attached, gets task.start, the step and the two cancels, nothing more.
        await using var runtime = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        await runtime.AttachAsync(claim.RunId, claim.AttemptId);
        var kinds = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (_, delivery) = await runtime.NextDeliveryAsync();
            kinds.Add(delivery.GetProperty("kind").GetString()!);
        }

        Assert.Equal(["task.start", "step.input", "cancel", "cancel"], kinds);
    }

    [Fact]
    public async Task Cancel_OfAWorkerRunNoWorkerClaimed_EndsItAtOnce_WithItsSteps()
    {
        // No worker may ever come: the service ends the run itself rather than leave it queued with the cancel pending.
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, stepId) = await fixture.CreateTaskWithStepAsync("nobody claims this", Workers);

        var accepted = await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", """{"reason":"changed my mind"}""", System.Net.HttpStatusCode.Accepted);

        Assert.Equal(3, accepted.GetProperty("sequence").GetInt64());
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        var step = await Api.GetJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("completed", step.GetProperty("status").GetString());
        var error = step.GetProperty("additional_output").GetProperty("error");
        Assert.Equal("cancelled", error.GetProperty("type").GetString());
        Assert.Equal("changed my mind", error.GetProperty("message").GetString());
        var finished = Assert.Single((await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events")).GetProperty("events").EnumerateArray(),
            e => e.GetProperty("type").GetString() == "run.finished");
        Assert.Equal($"/runs/{taskId}/service", finished.GetProperty("source").GetString());
        Assert.Equal("cancelled", finished.GetProperty("data").GetProperty("status").GetString());

        // Nothing is left to claim or to add.
        Assert.Null(await fixture.ClaimAsync("too-late"));
        await Api.PostJsonAsync(fixture.Http, $"v1/runs/{taskId}/cancel", "{}", System.Net.HttpStatusCode.Conflict);
        await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"more"}""", System.Net.HttpStatusCode.Conflict);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task IdleRuntime_ExitsAndTheNextInputStartsItAgain_WithoutCountingAsFailures()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var echoDll = Path.Combine(RepoPaths.Root, "samples", "EchoAgent", "bin", configuration, "net10.0", "EchoAgent.dll");
        var agent = JsonSerializer.Serialize(new { id = "idler", runtime = new { command = "dotnet", args = new[] { echoDll } } });
        await using var fixture = await RuntimeFixture.StartAsync(agent, "--AgentService:Runtime:IdleTimeoutSeconds=1", "--AgentService:Runtime:MaxAttempts=2");
        const string prefix = "agents/idler/ap/v1/agent";
        var taskId = await Api.CreateTaskAsync(fixture.Http, "idle", prefix);

        for (var i = 1; i <= 4; i++)
        {
            var step = await Api.PostJsonAsync(fixture.Http, $"{prefix}/tasks/{taskId}/steps", JsonSerializer.Serialize(new { input = $"round {i}" }));
            Assert.Equal($"round {i}", step.GetProperty("output").GetString());

            // The runtime exits after a second without input; its attempt ends normally.
            var expected = i;
            await Wait.UntilAsync(
                () => Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}"),
                run => run.GetProperty("attempts").GetArrayLength() == expected && run.GetProperty("attempts")[expected - 1].GetProperty("status").GetString() == "ended",
                TimeSpan.FromSeconds(20), $"attempt {expected} to end idle");
        }

        var final = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.NotEqual("failed", final.GetProperty("status").GetString());
        Assert.Empty(fixture.Host.Errors);
    }
}
