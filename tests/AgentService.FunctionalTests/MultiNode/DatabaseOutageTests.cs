using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Runtime.Worker;
using AgentService.Samples.EchoAgent;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.MultiNode;

/// <summary>
/// The database goes away under two nodes (a proxy between them and PostgreSQL drops every connection and refuses new
/// ones) and comes back. Meanwhile each node stays alive (<c>/healthz</c>), says it is not ready (<c>/readyz</c> 503, so a
/// load balancer stops sending it work), keeps its event streams open, and answers requests that need the store with 503 + <c>Retry-After</c> in each
/// API's own error shape (runtime commands with the retryable <c>1051 unavailable</c> and <c>retryAfterMs</c>), acknowledging nothing (and auditing the refusals once the store is back). Afterwards both nodes are ready again by themselves and work together
/// as before (their LISTEN connections re-established). Their background loops report the outage once each, not an error
/// per retry.
/// </summary>
[Trait("Storage", "PostgresOnly")]
public sealed class DatabaseOutageTests : IDisposable
{
    private const string Workers = "agents/workers/ap/v1/agent";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [PostgresFact]
    public async Task DatabaseUnreachable_NodesStayUp_AreNotReady_Answer503_ThenRecoverByThemselves()
    {
        var agentsFile = _dir.File("agents.json");
        await File.WriteAllTextAsync(agentsFile, """{"agents": [{"id": "echo", "default": true}, {"id": "workers", "runtime": {"mode": "worker"}}]}""");
        await using var cluster = await NodeCluster.StartAsync(0, "--agents", agentsFile);
        var proxy = cluster.RouteNodesThroughProxy();
        var a = await cluster.AddHostAsync();
        var b = await cluster.AddHostAsync();
        using var onA = a.CreateClient();
        using var onB = b.CreateClient();
        await Api.CreateTaskAsync(onA, "before the outage");

        // A runtime attached to A with a step to answer.
        var runId = await Api.CreateTaskAsync(onA, "run for the raw runtime", Workers);
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{runId}/steps") { Content = Api.Json("""{"input":"answer me"}""") })
        {
            request.Headers.Add("Prefer", "wait=0");
            using var posted = await onA.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        var claim = await Api.PostJsonAsync(onA, "v1/agents/workers/claims?waitSeconds=10", """{"workerId":"raw","leaseSeconds":60}""");
        var launched = new LaunchedRuntime(a.BaseAddress, claim.GetProperty("runId").GetString()!, claim.GetProperty("attemptId").GetString()!, claim.GetProperty("runToken").GetString()!);
        await using var runtime = await RawRuntime.ConnectAsync(a.BaseAddress, launched.Token);
        var connectionId = (await runtime.AttachAsync(launched.RunId, launched.AttemptId)).GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
        var (startRequest, _) = await runtime.NextDeliveryAsync();
        await runtime.AcknowledgeAsync(startRequest);
        var (stepRequest, stepDelivery) = await runtime.NextDeliveryAsync();
        await runtime.AcknowledgeAsync(stepRequest);
        var stepId = stepDelivery.GetProperty("payload").GetProperty("stepId").GetString()!;
        var answer = RuntimeFixture.Batch(connectionId, launched, RuntimeFixture.Event("step.finished", launched, 1,
            new JsonObject { ["stepId"] = stepId, ["status"] = "completed", ["output"] = "answered after the outage" }));

        // A reader follows the run's stream on B through the outage.
        using var streamHttp = new HttpClient { BaseAddress = b.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        using var streamResponse = await streamHttp.GetAsync($"v1/runs/{runId}/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, streamResponse.StatusCode);
        var retrying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streamed = NextEventAsync(await streamResponse.Content.ReadAsStreamAsync(), "step.finished", retrying);

        proxy.Cut();
        var outage = System.Diagnostics.Stopwatch.StartNew();
        foreach (var http in new[] { onA, onB })
        {
            using (var health = await http.GetAsync("healthz"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            await Wait.UntilAsync(() => StatusAsync(http, "readyz"), s => s == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), "the node to say it is not ready");

            using var create = await http.PostAsync("ap/v1/agent/tasks", Api.Json("""{"input":"during the outage"}"""));
            var error = await Api.ReadJsonAsync(create, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("unavailable", error.GetProperty("message").GetString());
            Assert.Equal("1", create.Headers.RetryAfter?.ToString());

            using var register = await http.PostAsync("gateway/register", Api.Json("""{"agent_id":"late","agent_name":"Late","agent_type":"helper","webhook_url":"http://127.0.0.1:9/hook"}"""));
            var detail = await Api.ReadJsonAsync(register, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("unavailable", detail.GetProperty("detail").GetString());

            // Clients that keep trying are answered the same each time (logged once, below).
            for (var i = 0; i < 20; i++)
            {
                using var again = await http.GetAsync("ap/v1/agent/tasks");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
            }
        }

        // The runtime's output is refused as retryable, with a pause to wait, and nothing of it is kept.
        var refused = await runtime.RequestAsync("runtime.task.output.event", answer.DeepClone());
        Assert.Equal(1051, refused.GetProperty("error").GetProperty("code").GetInt32());
        Assert.True(refused.GetProperty("error").GetProperty("data").GetProperty("retryable").GetBoolean());
        Assert.Equal(1000, refused.GetProperty("error").GetProperty("data").GetProperty("retryAfterMs").GetInt32());

        // The stream looks at the store again by its 15 s keep-alive at the latest: it finds it gone and stays open.
        await retrying.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Long enough for the loops that retry every second (LISTEN among them) to fail several rounds.
        if (outage.Elapsed < TimeSpan.FromSeconds(4))
        {
            await Task.Delay(TimeSpan.FromSeconds(4) - outage.Elapsed);
        }

        proxy.Restore();
        foreach (var http in new[] { onA, onB })
        {
            await Wait.UntilAsync(() => StatusAsync(http, "readyz"), s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the node to be ready again");
        }

        // Nothing refused during the outage was stored.
        var tasks = await Api.GetJsonAsync(onB, "ap/v1/agent/tasks");
        Assert.Equal(["before the outage"], tasks.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("input").GetString()));
        using (var agents = await onA.GetAsync("gateway/agents?online_only=false"))
        {
            Assert.DoesNotContain("\"late\"", await agents.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Its acknowledgements, sent as the database went away, were held and written: nothing is left to deliver again.
        await Wait.UntilAsync(() => cluster.ScalarAsync($"SELECT COUNT(*) FROM deliveries WHERE run_id = '{launched.RunId}' AND status <> 'acked'"),
            n => (long)n! == 0, TimeSpan.FromSeconds(15), "the runtime's acknowledgements to be stored");

        // The runtime sends the same batch again and it is taken.
        var accepted = await runtime.RequestAsync("runtime.task.output.event", answer.DeepClone());
        Assert.True(accepted.GetProperty("result").GetProperty("accepted").GetBoolean(), accepted.ToString());
        var answered = await Api.GetJsonAsync(onB, $"{Workers}/tasks/{runId}/steps/{stepId}");
        Assert.Equal("answered after the outage", answered.GetProperty("output").GetString());

        // The reader's stream stayed open through the outage and now carries the step's end.
        var finished = await streamed.WaitAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(stepId, finished.GetProperty("stepId").GetString());
        Assert.Empty(runtime.SchemaErrors);

        // The refusals are in the audit log: each node held its entries through the outage and wrote them after it.
        var refusals = await Wait.UntilAsync(
            () => Api.GetJsonAsync(onA, "v1/audit?action=POST%20%2Fap%2Fv1%2Fagent%2Ftasks&page_size=100"),
            log => log.GetProperty("items").EnumerateArray().Count(e => e.GetProperty("status").GetInt32() == 503) == 2,
            TimeSpan.FromSeconds(15), "both nodes' 503 entries to be written after the outage");
        Assert.Equal(1, refusals.GetProperty("items").EnumerateArray().Count(e => e.GetProperty("status").GetInt32() == 200));

        // The nodes work together again: a step posted on B runs on a worker attached to A and wakes B's request.
        using var stop = new CancellationTokenSource();
        using var workerHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(workerHttp, new WorkerClientOptions { ServiceUrl = a.BaseAddress, WaitSeconds = 5, WorkerId = "on-a" })
            .RunAsync("workers", () => new EchoStepAgent(), stop.Token);
        var taskId = await Api.CreateTaskAsync(onB, "after the outage", Workers);
        var step = await Api.PostJsonAsync(onB, $"{Workers}/tasks/{taskId}/steps", JsonSerializer.Serialize(new { input = "across nodes again" }));
        Assert.Equal("across nodes again", step.GetProperty("output").GetString());

        await stop.CancelAsync();
        await worker.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Assert.DoesNotContain(cluster.Errors, e => e.Contains("Unhandled exception", StringComparison.Ordinal));

        // Each node's background loops that met the outage (the LISTEN connection always does: it was dropped; the outbox
        // dispatcher and the sweepers when they touched the store meanwhile), retrying every second or so, reported it
        // once each as a warning, and not as errors.
        foreach (var node in new[] { a, b })
        {
            var paused = node.Warnings.Where(w => w.Contains("[1004]", StringComparison.Ordinal)).Select(w => w[..w.IndexOf('[', StringComparison.Ordinal)]).ToList();
            Assert.Contains("AgentService.Server.Storage.Postgres.PostgresListener", paused);
            Assert.Equal(paused.Count, paused.Distinct().Count());
            Assert.DoesNotContain(node.Errors, e => e.StartsWith("AgentService.Server.Gateway.", StringComparison.Ordinal)
                || e.StartsWith("AgentService.Server.Interactions.", StringComparison.Ordinal) || e.StartsWith("AgentService.Server.Runs.RuntimeLauncher", StringComparison.Ordinal));

            // The 22 requests each node answered 503 within a few seconds are one warning, not 22.
            Assert.Single(node.Warnings, w => w.Contains("[1003]", StringComparison.Ordinal));
        }
    }

    /// <summary>The data of the next server-sent event of <paramref name="type"/>.</summary>
    private static async Task<JsonElement> NextEventAsync(Stream stream, string type, TaskCompletionSource retrying)
    {
        using var reader = new StreamReader(stream);
        string? current = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(": store unavailable", StringComparison.Ordinal))
            {
                retrying.TrySetResult();
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                current = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && current == type)
            {
                using var document = JsonDocument.Parse(line[6..]);
                return document.RootElement.GetProperty("data").Clone();
            }
        }

        throw new InvalidOperationException($"the stream ended before a {type} event");
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }
}
