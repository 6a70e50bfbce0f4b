using System.Text.Json.Nodes;
using AgentService.Cli;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.RunModel;

/// <summary><c>agentsvc runs interactions|respond</c> and <c>agentsvc tasks create --follow</c> against a real server.</summary>
public sealed class RunModelCliTests
{
    private static Task<(int Exit, string Out, string Err)> CliAsync(Uri service, params string[] args) => CliRunner.RunAsync(service, args);

    [Fact]
    public async Task RunsInteractionsAndRespond_ListAndAnswerWithValidation()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var ixn = TypeId.New("ixn");
        await runtime.PublishAsync(("interaction.requested", new JsonObject
        {
            ["interactionId"] = ixn,
            ["kind"] = "input",
            ["prompt"] = "Your name?",
            ["responseSchema"] = JsonNode.Parse("""{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}"""),
        }));

        var (exit, listed, _) = await CliAsync(fixture.Host.BaseAddress, "runs", "interactions", runtime.RunId);
        Assert.Equal(0, exit);
        Assert.Contains(ixn, listed);
        Assert.Contains("pending", listed);
        Assert.Contains("Your name?", listed);

        var (noneExit, _, noneError) = await CliAsync(fixture.Host.BaseAddress, "runs", "respond", runtime.RunId, ixn);
        Assert.Equal(ExitCodes.Usage, noneExit);
        Assert.Contains("exactly one", noneError);
        var (badExit, _, badError) = await CliAsync(fixture.Host.BaseAddress, "runs", "respond", runtime.RunId, ixn, "--answer", """{"name": 5}""");
        Assert.Equal(ExitCodes.Failed, badExit);
        Assert.Contains("422", badError);
        Assert.Contains("/response/name", badError);

        var (okExit, answered, _) = await CliAsync(fixture.Host.BaseAddress, "runs", "respond", runtime.RunId, ixn, "--answer", """{"name": "Ada"}""");
        Assert.Equal(0, okExit);
        Assert.Contains("submitted", answered);
        var (_, delivery) = await runtime.Socket.NextDeliveryAsync();
        Assert.Equal("Ada", delivery.GetProperty("payload").GetProperty("response").GetProperty("name").GetString());
        (_, listed, _) = await CliAsync(fixture.Host.BaseAddress, "runs", "interactions", runtime.RunId);
        Assert.Contains("resolved: submitted", listed);
    }

    [Fact]
    public async Task TasksCreateFollow_PrintsTheTaskThenItsEventsLive_UntilTheRunIsFinished()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var cli = CliAsync(fixture.Host.BaseAddress, "tasks", "create", "follow me", "--agent", "workers", "--follow");
        var tasks = await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"{ModelRuntime.Workers}/tasks"),
            list => list.GetProperty("tasks").GetArrayLength() == 1,
            TimeSpan.FromSeconds(20),
            "the CLI to create the task");
        var taskId = tasks.GetProperty("tasks")[0].GetProperty("task_id").GetString()!;
        await fixture.PostStepAsync(taskId, "go", ModelRuntime.Workers);
        var claim = await fixture.ClaimAsync("cli-follow");
        await using var runtime = await RawRuntime.ConnectAsync(claim!.ServiceUrl, claim.Token);
        var connectionId = (await runtime.AttachAsync(claim.RunId, claim.AttemptId)).GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("run.started", claim, 1, new JsonObject { ["attemptNumber"] = 1 }),
            RuntimeFixture.Event("log.emitted", claim, 2, new JsonObject { ["level"] = "info", ["message"] = "live from the runtime" })));
        Assert.False(cli.IsCompleted);
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("run.finished", claim, 3, new JsonObject { ["status"] = "completed" })));

        var (exit, output, error) = await cli.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, error);
        Assert.Contains(taskId, output);
        Assert.Contains("live from the runtime", output);
        Assert.True(output.IndexOf("run.started", StringComparison.Ordinal) < output.IndexOf("run.finished", StringComparison.Ordinal));
    }
}
