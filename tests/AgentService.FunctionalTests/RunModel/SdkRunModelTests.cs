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
[Trait("Storage", "SqliteOnly")]
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
