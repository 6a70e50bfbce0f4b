using System.Text.Json.Nodes;
using AgentService.Cli;

namespace AgentService.FunctionalTests.Runtime;

/// <summary><c>agentsvc runs get|follow|cancel</c> against a real server and a runtime.</summary>
public sealed class RunsCliTests
{
    private const string Workers = "agents/workers/ap/v1/agent";

    private static async Task<(int Exit, string Out, string Err)> CliAsync(Uri service, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(["--url", service.ToString(), .. args], output, error);
        return (exit, output.ToString(), error.ToString());
    }

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
    public async Task RunsCancel_WithNoCascadeAndAReason_StoresThatCancel()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("cli", Workers);

        var (exit, printed, error) = await CliAsync(fixture.Host.BaseAddress, "runs", "cancel", taskId, "--immediate", "--no-cascade", "--reason", "enough", "--json");
        Assert.True(exit == 0, error);
        Assert.Equal("immediate", System.Text.Json.JsonDocument.Parse(printed).RootElement.GetProperty("mode").GetString());

        var payload = (string)(await fixture.Host.ExecuteSqlAsync("SELECT payload FROM deliveries WHERE run_id = @run AND kind = 'cancel'",
            new Dictionary<string, object?> { ["run"] = taskId }))!;
        var cancel = JsonNode.Parse(payload)!;
        Assert.Equal("immediate", (string?)cancel["mode"]);
        Assert.Equal("enough", (string?)cancel["reason"]);
        Assert.False((bool)cancel["cascade"]!);
    }
}
