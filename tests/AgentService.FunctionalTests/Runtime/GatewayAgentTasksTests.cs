using AgentService.FunctionalTests.Gateway;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Worker;
using AgentService.Samples.EchoAgent;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>An agent registered through the gateway runs tasks too: its runs are claimed by workers.</summary>
public sealed class GatewayAgentTasksTests
{
    [Fact]
    public async Task RegisteredAgent_GetsAgentProtocolRoutes_AndAWorkerRunsItsSteps()
    {
        await using var receiver = await WebhookReceiver.StartNewAsync();
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateClient();
        await GatewayCalls.RegisterAsync(http, "helper-001", receiver.Url);
        const string prefix = "agents/helper-001/ap/v1/agent";

        var taskId = await Api.CreateTaskAsync(http, "work for the registered agent", prefix);
        using var stop = new CancellationTokenSource();
        using var workerHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(workerHttp, new WorkerClientOptions { ServiceUrl = host.BaseAddress, WaitSeconds = 5, WorkerId = "helper-worker" });
        var running = worker.RunAsync("helper-001", () => new EchoStepAgent(), stop.Token);

        var step = await Api.PostJsonAsync(http, $"{prefix}/tasks/{taskId}/steps", """{"input":"done by a worker"}""");

        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("done by a worker", step.GetProperty("output").GetString());
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

        // After a restart the registered agent still has its routes and its tasks.
        await host.RestartAsync();
        using var after = host.CreateClient();
        var task = await Api.GetJsonAsync(after, $"{prefix}/tasks/{taskId}");
        Assert.Equal("work for the registered agent", task.GetProperty("input").GetString());
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task AStepWaitingForAWorker_WaitsThroughARestart_AndTheWorkerRunsIt()
    {
        await using var receiver = await WebhookReceiver.StartNewAsync();
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateClient();
        await GatewayCalls.RegisterAsync(http, "helper-002", receiver.Url);
        const string prefix = "agents/helper-002/ap/v1/agent";
        var taskId = await Api.CreateTaskAsync(http, "nobody claims this yet", prefix);
        using (var post = new HttpRequestMessage(HttpMethod.Post, $"{prefix}/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"for the worker"}""") })
        {
            post.Headers.Add("Prefer", "wait=0");
            using var posted = await http.SendAsync(post);
            Assert.Equal(System.Net.HttpStatusCode.OK, posted.StatusCode);
        }

        // The step is the worker's: the restarted service must not answer it with its built-in echo.
        await host.RestartAsync();
        using var after = host.CreateClient();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var waiting = await Api.GetJsonAsync(after, $"{prefix}/tasks/{taskId}/steps");
        Assert.NotEqual("completed", waiting.GetProperty("steps")[0].GetProperty("status").GetString());

        using var stop = new CancellationTokenSource();
        using var workerHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(workerHttp, new WorkerClientOptions { ServiceUrl = host.BaseAddress, WaitSeconds = 5, WorkerId = "late-worker" });
        var running = worker.RunAsync("helper-002", () => new PrefixAgent(), stop.Token);
        var done = await Wait.UntilAsync(
            async () => (await Api.GetJsonAsync(after, $"{prefix}/tasks/{taskId}/steps")).GetProperty("steps")[0],
            step => step.GetProperty("status").GetString() == "completed",
            TimeSpan.FromSeconds(30),
            "the worker to complete the step");
        Assert.Equal("worker: for the worker", done.GetProperty("output").GetString());
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(host.Errors);
    }

    private sealed class PrefixAgent : IAgent
    {
        public Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken) =>
            Task.FromResult(new StepResult { Output = "worker: " + input.Input, IsLast = true });
    }
}
