using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using AgentService.FunctionalTests.Runtime;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Hosting;

/// <summary>
/// A node asked to stop (SIGTERM, as an orchestrator or an operator does when taking a node out of a load balancer)
/// finishes what is in flight: an upload still sending its body completes and is stored, a request waiting for a step
/// answers at once with the step as it is, attached runtimes are closed with 1012 (so they reconnect elsewhere), and the
/// process exits 0 with nothing lost when it starts again.
/// </summary>
public sealed class GracefulShutdownTests : IDisposable
{
    private const string Workers = "agents/workers/ap/v1/agent";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Sigterm_FinishesInFlightRequests_AnswersWaitingSteps_ClosesRuntimesWith1012_AndLosesNothing()
    {
        var agentsFile = _dir.File("agents.json");
        await File.WriteAllTextAsync(agentsFile, """{"agents": [{"id": "echo", "default": true}, {"id": "workers", "runtime": {"mode": "worker"}}]}""");
        await using var server = await ServerProcess.StartAsync("--agents", agentsFile);
        using var http = server.CreateClient();

        // A runtime attached to one run of the worker agent.
        var attachedRun = await Api.CreateTaskAsync(http, "attached", Workers);
        await PostStepAsync(http, attachedRun, "for the runtime", wait: 0);
        var claim = await Api.PostJsonAsync(http, "v1/agents/workers/claims?waitSeconds=10", """{"workerId":"w1","leaseSeconds":60}""");
        await using var runtime = await RawRuntime.ConnectAsync(server.BaseAddress, claim.GetProperty("runToken").GetString());
        var attach = await runtime.AttachAsync(claim.GetProperty("runId").GetString()!, claim.GetProperty("attemptId").GetString());
        Assert.True(attach.TryGetProperty("result", out _), attach.ToString());

        // A request waiting (up to a minute) for a step no runtime has taken.
        var waitingTask = await Api.CreateTaskAsync(http, "waiting", Workers);
        var waitingStep = PostStepAsync(http, waitingTask, "nobody takes this", wait: 60);
        await Wait.UntilAsync(() => Api.GetJsonAsync(http, $"{Workers}/tasks/{waitingTask}/steps"),
            s => s.GetProperty("pagination").GetProperty("total_items").GetInt32() == 1, what: "the waiting step to be stored");

        // An upload that has sent half of its body.
        var uploadTask = await Api.CreateTaskAsync(http, "uploading");
        var bytes = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        var halfSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sendRest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var form = new MultipartFormDataContent { { new HalfThenWaitContent(bytes, halfSent, sendRest.Task), "file", "big.bin" } };
        var upload = http.PostAsync($"ap/v1/agent/tasks/{uploadTask}/artifacts", form);
        await halfSent.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var stopping = server.StopAsync(TimeSpan.FromSeconds(60));

        // The waiting request answers now, not after its minute, with the step as it is.
        var answered = await waitingStep.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("created", answered.GetProperty("status").GetString());
        // The runtime is told the service restarts (1012): its SDK reconnects, to another node if there is one.
        Assert.Equal((WebSocketCloseStatus)1012, await runtime.Closed.Task.WaitAsync(TimeSpan.FromSeconds(15)));

        // The upload, still in flight, completes after the stop began and is acknowledged.
        Assert.False(stopping.IsCompleted, "the process exited with an upload in flight");
        sendRest.SetResult();
        using var uploaded = await upload.WaitAsync(TimeSpan.FromSeconds(30));
        var artifact = await Api.ReadJsonAsync(uploaded, HttpStatusCode.OK);
        Assert.Equal(0, await stopping);
        Assert.DoesNotContain("fail:", server.Output, StringComparison.Ordinal);

        // Started again on the same data directory: everything acknowledged is there.
        await using var again = await ServerProcess.StartOnAsync(server.DataDir, "--agents", agentsFile);
        using var http2 = again.CreateClient();
        var download = await http2.GetByteArrayAsync($"ap/v1/agent/tasks/{uploadTask}/artifacts/{artifact.GetProperty("artifact_id").GetString()}");
        Assert.Equal(bytes, download);
        var step = await Api.GetJsonAsync(http2, $"{Workers}/tasks/{waitingTask}/steps/{answered.GetProperty("step_id").GetString()}");
        Assert.Equal("nobody takes this", step.GetProperty("input").GetString());
        var run = await Api.GetJsonAsync(http2, $"v1/runs/{attachedRun}");
        Assert.Equal(claim.GetProperty("attemptId").GetString(), run.GetProperty("attempts")[0].GetProperty("attemptId").GetString());
    }

    private static async Task<JsonElement> PostStepAsync(HttpClient http, string taskId, string input, int wait)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{taskId}/steps") { Content = Api.Json(JsonSerializer.Serialize(new { input })) };
        request.Headers.Add("Prefer", $"wait={wait}");
        using var response = await http.SendAsync(request);
        return await Api.ReadJsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>A body that sends its first half, says so, and sends the rest when allowed.</summary>
    private sealed class HalfThenWaitContent(byte[] bytes, TaskCompletionSource halfSent, Task sendRest) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var half = bytes.Length / 2;
            await stream.WriteAsync(bytes.AsMemory(0, half));
            await stream.FlushAsync();
            halfSent.TrySetResult();
            await sendRest;
            await stream.WriteAsync(bytes.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
