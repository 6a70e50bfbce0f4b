using System.Net;
using System.Text.Json.Nodes;
using AgentService.Cli;
using AgentService.Protocol.Ids;

namespace AgentService.FunctionalTests.Runtime;

/// <summary><c>agentsvc runs get|follow|cancel</c> against a real server and a runtime.</summary>
public sealed class RunsCliTests
{
    private const string Workers = "agents/workers/ap/v1/agent";

    private static Task<(int Exit, string Out, string Err)> CliAsync(Uri service, params string[] args) => CliRunner.RunAsync(service, args);

    [Fact]
    public async Task RunsGetFollowCancel_ShowTheRunAndItsEvents()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("cli", Workers);
        var claim = await fixture.ClaimAsync("cli-worker");
        await using var runtime = await RawRuntime.ConnectAsync(claim!.ServiceUrl, claim.Token);
        var attach = await runtime.AttachAsync(claim.RunId, claim.AttemptId);
        var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;

        var (getExit, got, _) = await CliAsync(fixture.Host.BaseAddress, "runs", "get", taskId);
        Assert.Equal(0, getExit);
        Assert.Contains($"run {taskId}", got);
        Assert.Contains("attempt 1", got);

        var follow = CliAsync(fixture.Host.BaseAddress, "runs", "follow", taskId);
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("log.emitted", claim, 1, new JsonObject { ["level"] = "info", ["message"] = "working on it" }),
            RuntimeFixture.Event("run.finished", claim, 2, new JsonObject { ["status"] = "completed" })));
        var (followExit, followed, _) = await follow.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, followExit);
        Assert.Contains("log.emitted", followed);
        Assert.Contains("working on it", followed);
        Assert.Contains("run.finished", followed);

        var (cancelExit, _, cancelError) = await CliAsync(fixture.Host.BaseAddress, "runs", "cancel", taskId);
        Assert.Equal(ExitCodes.Failed, cancelExit);
        Assert.Contains("409", cancelError);
    }

    [Fact]
    public async Task RunsFollow_StoppedByCtrlC_ExitsQuietlyWith130()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("cli", Workers);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var interrupt = new CancellationTokenSource();

        // Nobody runs the task: the run never finishes, and follow waits until it is stopped (Ctrl+C cancels the command).
        var follow = CliApp.RunAsync(["--url", fixture.Host.BaseAddress.ToString(), "runs", "follow", taskId], output, error, interrupt.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(follow.IsCompleted, error.ToString());
        await interrupt.CancelAsync();

        Assert.Equal(ExitCodes.Interrupted, await follow.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(error.ToString());
    }

    [Fact]
    public async Task RunsFollow_FromANegativePosition_IsAUsageError()
    {
        await using var fixture = await RuntimeFixture.StartAsync();

        var (exit, _, error) = await CliAsync(fixture.Host.BaseAddress, "runs", "follow", "run_01jq3v8d6ef5tr9w2k7m4n8p0x", "--after", "-1");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--after: '-1' is less than 0.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsCancel_WithNoCascadeAndAReason_StoresThatCancel()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("cli", Workers);
        Assert.NotNull(await fixture.ClaimAsync("cli-worker")); // claimed, so the cancel waits for the worker

        var (exit, printed, error) = await CliAsync(fixture.Host.BaseAddress, "runs", "cancel", taskId, "--immediate", "--no-cascade", "--reason", "enough", "--json");
        Assert.True(exit == 0, error);
        Assert.Equal("immediate", System.Text.Json.JsonDocument.Parse(printed).RootElement.GetProperty("mode").GetString());

        var payload = (string)(await fixture.Host.ExecuteSqlAsync("SELECT payload FROM deliveries WHERE run_id = @run AND kind = 'cancel'",
            new Dictionary<string, object?> { ["run"] = taskId }))!;
        var cancel = JsonNode.Parse(payload)!;
        Assert.Equal("immediate", (string?)cancel["mode"]);
        Assert.Equal("enough", (string?)cancel["reason"]);
        Assert.False((bool)cancel["cascade"]!);

        // Asked again while that cancel is pending, it answers with the same one (table form).
        var (againExit, again, againError) = await CliAsync(fixture.Host.BaseAddress, "runs", "cancel", taskId);
        Assert.True(againExit == 0, againError);
        Assert.Equal("cancel requested (immediate), input #3", again.Trim());
        Assert.NotEqual("cancelled", System.Text.Json.JsonDocument.Parse(printed).RootElement.GetProperty("status").GetString()); // the worker acts on it
    }

    [Fact]
    public async Task RunsCancel_OfARunNothingStarted_SaysItIsCancelledAlready()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("never claimed", Workers);

        var (exit, printed, error) = await CliAsync(fixture.Host.BaseAddress, "runs", "cancel", taskId);
        Assert.True(exit == 0, error);
        Assert.Equal("cancelled (nothing had started the run)", printed.Trim());
        Assert.Equal("cancelled", (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AgentRuns_AreListedNewestFirst_InPages_ByStatus_OverHttpAndTheCli()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await fixture.CreateTaskWithStepAsync($"job {i}", Workers)).TaskId);
            await Task.Delay(5); // distinct creation times: within one millisecond the order is the ids' (random) order
        }

        // One of them is claimed and attached, so it is running.
        var claim = await fixture.ClaimAsync("lister");
        await using var runtime = await RawRuntime.ConnectAsync(claim!.ServiceUrl, claim.Token);
        var attach = await runtime.AttachAsync(claim.RunId, claim.AttemptId);
        var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("run.started", claim, 1, new JsonObject { ["attemptNumber"] = 1 })));

        // Every run of the agent, newest first, in pages of two.
        var listed = new List<string>();
        string? after = null;
        for (var pages = 1; ; pages++)
        {
            var page = await Api.GetJsonAsync(fixture.Http, $"v1/agents/workers/runs?limit=2{(after is null ? "" : $"&after={after}")}");
            listed.AddRange(page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()!));
            after = page.GetProperty("after").GetString();
            if (!page.GetProperty("more").GetBoolean())
            {
                Assert.Equal(3, pages);
                break;
            }
        }

        Assert.Equal(Enumerable.Reverse(ids), listed);

        var running = await Api.GetJsonAsync(fixture.Http, "v1/agents/workers/runs?status=running");
        var only = Assert.Single(running.GetProperty("runs").EnumerateArray());
        Assert.Equal(claim.RunId, only.GetProperty("runId").GetString());
        Assert.Equal(1, only.GetProperty("attemptCount").GetInt32());
        Assert.Empty((await Api.GetJsonAsync(fixture.Http, "v1/agents/echo/runs")).GetProperty("runs").EnumerateArray());

        // Bad input names its field and an unknown agent is 404.
        foreach (var (query, field) in new[] { ("status=sleeping", "status"), ("limit=0", "limit"), ("limit=x", "limit"), ($"after={TypeId.New("run")}", "after") })
        {
            using var bad = await fixture.Http.GetAsync($"v1/agents/workers/runs?{query}");
            Assert.True(bad.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{query}: {bad.StatusCode}");
            Assert.Contains(field, await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var unknown = await fixture.Http.GetAsync("v1/agents/nobody/runs"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var (exit, printed, error) = await CliAsync(fixture.Host.BaseAddress, "runs", "list", "workers", "--limit", "3");
        Assert.True(exit == 0, error);
        var lines = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith(ids[4], lines[0], StringComparison.Ordinal);
        Assert.Equal($"more: --after {ids[2]}", lines[3].TrimEnd());
        var (runningExit, runningPrinted, _) = await CliAsync(fixture.Host.BaseAddress, "runs", "list", "workers", "--status", "running");
        Assert.Equal(0, runningExit);
        Assert.StartsWith($"{claim.RunId}  running", runningPrinted, StringComparison.Ordinal);
    }
}
