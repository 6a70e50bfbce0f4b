using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AgentService.Runtime.Worker;
using AgentService.Samples.EchoAgent;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.MultiNode;

/// <summary>
/// Runs on several server nodes sharing one PostgreSQL database: a runtime attached to one node takes the inputs
/// created on another (LISTEN/NOTIFY), the request waiting on a step is woken on its own node, stream readers on a
/// third node see the events, and when a node with runtimes attached is killed they reconnect to another node with
/// nothing lost and no step completed twice. Skipped (with the reason) without <c>AGENTSERVICE_TEST_POSTGRES</c>.
/// </summary>
[Trait("Storage", "PostgresOnly")]
public sealed class MultiNodeRuntimeTests : IAsyncLifetime
{
    private const string Workers = "agents/workers/ap/v1/agent";
    private readonly TempDirectory _dir = new();
    private string _agentsFile = null!;

    public async Task InitializeAsync()
    {
        _agentsFile = _dir.File("agents.json");
        await File.WriteAllTextAsync(_agentsFile, """
            {"agents": [{"id": "echo", "default": true}, {"id": "workers", "runtime": {"mode": "worker"}}]}
            """);
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [PostgresTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StepPostedOnB_RunsOnTheRuntimeAttachedToA_WakesTheWaitOnB_AndStreamsOnC(bool separateProcesses)
    {
        // Three nodes: in-process hosts (their errors are collected), or three server processes of their own.
        await using var cluster = await NodeCluster.StartAsync(0, "--agents", _agentsFile);
        var nodes = new List<Uri>();
        for (var i = 0; i < 3; i++)
        {
            nodes.Add(separateProcesses ? (await cluster.AddProcessAsync()).BaseAddress : (await cluster.AddHostAsync()).BaseAddress);
        }

        using var a = new HttpClient { BaseAddress = nodes[0], Timeout = TimeSpan.FromSeconds(60) };
        using var b = new HttpClient { BaseAddress = nodes[1], Timeout = TimeSpan.FromSeconds(60) };
        using var c = new HttpClient { BaseAddress = nodes[2], Timeout = TimeSpan.FromSeconds(60) };

        // The worker knows node A only: it claims there (woken by work created on B) and attaches there.
        using var stop = new CancellationTokenSource();
        using var workerHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(workerHttp, new WorkerClientOptions { ServiceUrl = nodes[0], WaitSeconds = 20, WorkerId = "on-a" });
        var running = worker.RunAsync("workers", () => new EchoStepAgent(), stop.Token);

        var taskId = await Api.CreateTaskAsync(b, "instructions from B", Workers);
        var first = await Api.PostJsonAsync(b, $"{Workers}/tasks/{taskId}/steps", """{"input":"first"}""");
        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal("first", first.GetProperty("output").GetString());
        var run = await Api.GetJsonAsync(c, $"v1/runs/{taskId}");
        var attempt = run.GetProperty("attempts")[0];
        Assert.Equal("active", attempt.GetProperty("status").GetString());

        // A reader on C follows the run while B posts the next step: it sees the step finish on A.
        var streamed = ReadUntilAsync(c, $"v1/runs/{taskId}/stream", "step.finished", after: run.GetProperty("eventCount").GetInt64());
        var second = await Api.PostJsonAsync(b, $"{Workers}/tasks/{taskId}/steps", """{"input":"second"}""");
        Assert.Equal("second", second.GetProperty("output").GetString());
        var finished = await streamed;
        Assert.Equal(second.GetProperty("step_id").GetString(), finished.GetProperty("stepId").GetString());

        // Cancelled on C: the cancel delivery reaches the runtime on A, which ends the run.
        await Api.PostJsonAsync(c, $"v1/runs/{taskId}/cancel", "{}", HttpStatusCode.Accepted);
        await Wait.UntilAsync(() => Api.GetJsonAsync(b, $"v1/runs/{taskId}"), r => r.GetProperty("status").GetString() == "cancelled",
            TimeSpan.FromSeconds(30), "the run to be cancelled by its runtime on A");

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Assert.Empty(cluster.Errors);
        Assert.Empty(cluster.ProcessFailures);
    }

    [PostgresFact]
    public async Task AgentRegisteredOnA_TakesTasksOnB_RunByAWorkerOnC()
    {
        await using var receiver = await WebhookReceiver.StartNewAsync();
        await using var cluster = await NodeCluster.StartAsync(3, "--agents", _agentsFile);
        using var a = cluster.Hosts[0].CreateClient();
        using var b = cluster.Hosts[1].CreateClient();
        await Gateway.GatewayCalls.RegisterAsync(a, "helper", receiver.Url);

        using var stop = new CancellationTokenSource();
        using var workerHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(workerHttp, new WorkerClientOptions { ServiceUrl = cluster.Hosts[2].BaseAddress, WaitSeconds = 20, WorkerId = "on-c" });
        var running = worker.RunAsync("helper", () => new EchoStepAgent(), stop.Token);

        // B and C serve the agent at once: a node that has not yet had the database's notification of the
        // registration reads the agent from the shared registry (a worker's claim answered 404 would stop it).
        const string prefix = "agents/helper/ap/v1/agent";
        var taskId = await Api.CreateTaskAsync(b, "for the helper", prefix);
        var step = await Api.PostJsonAsync(b, $"{prefix}/tasks/{taskId}/steps", """{"input":"hello helper"}""");
        Assert.Equal("hello helper", step.GetProperty("output").GetString());

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task ANewerAttachOnB_FencesTheConnectionOnA()
    {
        await using var cluster = await NodeCluster.StartAsync(2, "--agents", _agentsFile);
        using var a = cluster.Hosts[0].CreateClient();
        using var b = cluster.Hosts[1].CreateClient();
        var taskId = await Api.CreateTaskAsync(a, "fence me", Workers);
        using (var post = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"x"}""") })
        {
            post.Headers.Add("Prefer", "wait=0");
            using var posted = await a.SendAsync(post);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        // A worker claims on A and attaches there; the same instance attaches again through B with a higher epoch.
        var claim = await Api.PostJsonAsync(a, "v1/agents/workers/claims?waitSeconds=5", """{"workerId":"w","leaseSeconds":60}""");
        var (runId, attemptId, token) = (claim.GetProperty("runId").GetString()!, claim.GetProperty("attemptId").GetString()!, claim.GetProperty("runToken").GetString()!);
        await using var onA = await Runtime.RawRuntime.ConnectAsync(cluster.Hosts[0].BaseAddress, token);
        var first = await onA.AttachAsync(runId, attemptId, instanceId: "rti_same", epoch: 1);
        Assert.True(first.TryGetProperty("result", out _), first.GetRawText());
        await using var onB = await Runtime.RawRuntime.ConnectAsync(cluster.Hosts[1].BaseAddress, token);
        var second = await onB.AttachAsync(runId, attemptId, instanceId: "rti_same", epoch: 2, reconnect: true);
        var connectionId = second.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;

        // Node A closes its socket with 4001 (superseded) when B tells it to; after recover the unacknowledged
        // deliveries come again through B, with their ids.
        var closed = await onA.Closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(4001, (int?)closed);
        var recover = await onB.RequestAsync("runtime.connection.recover.command", new System.Text.Json.Nodes.JsonObject
        {
            ["runtimeConnectionId"] = connectionId,
            ["mainRunId"] = runId,
            ["connectionEpoch"] = 2,
        });
        Assert.True(recover.TryGetProperty("result", out _), recover.GetRawText());
        var (_, start) = await onB.NextDeliveryAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("task.start", start.GetProperty("kind").GetString());
        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task NodeKilledUnderLoad_RuntimesReconnectToAnother_NoAcknowledgedTaskOrStepIsLost_NoStepCompletedTwice()
    {
        await using var cluster = await NodeCluster.StartAsync(0, "--agents", _agentsFile, "--AgentService:Runtime:HeartbeatIntervalMs=1000");
        var doomed = await cluster.AddProcessAsync();
        var survivor = await cluster.AddHostAsync();
        using var onDoomed = doomed.CreateClient();
        using var onSurvivor = survivor.CreateClient();

        // Two workers know both nodes and start on the doomed one.
        using var stop = new CancellationTokenSource();
        using var workerHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var workers = Enumerable.Range(0, 2).Select(i => new WorkerClient(workerHttp, new WorkerClientOptions
        {
            ServiceUrls = { doomed.BaseAddress, survivor.BaseAddress },
            WaitSeconds = 2,
            WorkerId = $"worker-{i}",
            MaxConcurrentRuns = 4,
        }).RunAsync("workers", () => new EchoStepAgent(), stop.Token)).ToList();

        var tasks = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            tasks.Add(await Api.CreateTaskAsync(i % 2 == 0 ? onDoomed : onSurvivor, $"task {i}", Workers));
        }

        // Load: steps posted to both nodes without waiting; each acknowledged step is remembered with its input.
        var acknowledged = new ConcurrentDictionary<string, (string TaskId, string Input)>();
        using var load = new CancellationTokenSource();
        var posters = tasks.Select((taskId, i) => Task.Run(async () =>
        {
            for (var n = 0; !load.IsCancellationRequested; n++)
            {
                var http = n % 2 == 0 ? onDoomed : onSurvivor;
                var input = $"{taskId} step {n}";
                try
                {
                    using var response = await http.PostAsync($"{Workers}/tasks/{taskId}/steps", Api.Json(JsonSerializer.Serialize(new { input })));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var step = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                        acknowledged[step.GetProperty("step_id").GetString()!] = (taskId, input);
                    }
                }
                catch (HttpRequestException)
                {
                    // The doomed node went away mid-request: not acknowledged, so nothing is promised.
                }

                await Task.Delay(50);
            }
        })).ToList();

        // And tasks created on both nodes meanwhile: each acknowledged one must exist afterwards.
        var createdTasks = new ConcurrentDictionary<string, string>();
        posters.Add(Task.Run(async () =>
        {
            for (var n = 0; !load.IsCancellationRequested; n++)
            {
                var input = $"created {n}";
                try
                {
                    using var response = await (n % 2 == 0 ? onDoomed : onSurvivor).PostAsync($"{Workers}/tasks", Api.Json(JsonSerializer.Serialize(new { input })));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        createdTasks[JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("task_id").GetString()!] = input;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not acknowledged.
                }

                await Task.Delay(50);
            }
        }));

        await Wait.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= 20, TimeSpan.FromSeconds(60), "steps to be acknowledged");
        await doomed.KillAsync();
        await Wait.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= 40, TimeSpan.FromSeconds(60), "steps on the survivor");
        await load.CancelAsync();
        await Task.WhenAll(posters);

        // Every acknowledged step completes (on the survivor, through the reconnected runtimes) with its own input.
        foreach (var (stepId, (taskId, input)) in acknowledged)
        {
            var step = await Wait.UntilAsync(() => Api.GetJsonAsync(onSurvivor, $"{Workers}/tasks/{taskId}/steps/{stepId}"),
                s => s.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(90), $"step {stepId} to complete");
            Assert.Equal(input, step.GetProperty("output").GetString());
        }

        Assert.True(createdTasks.Count >= 10, $"only {createdTasks.Count} tasks were created under load");
        foreach (var (taskId, input) in createdTasks)
        {
            Assert.Equal(input, (await Api.GetJsonAsync(onSurvivor, $"{Workers}/tasks/{taskId}")).GetProperty("input").GetString());
        }

        // No step finished twice in any run's log.
        foreach (var taskId in tasks)
        {
            var events = await Api.GetJsonAsync(onSurvivor, $"v1/runs/{taskId}/events?limit=1000");
            var finished = events.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "step.finished")
                .Select(e => e.GetProperty("data").GetProperty("stepId").GetString()).ToList();
            Assert.Equal(finished.Count, finished.Distinct().Count());
        }

        await stop.CancelAsync();
        foreach (var worker in workers)
        {
            await worker.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task NodeKilledWithALaunchedRuntime_AnotherNodeRelaunchesItWhenTheLeaseEnds_AndTheStepCompletesOnce()
    {
        // The EchoAgent sample as a launched runtime; short leases so the survivor finds the dead node's attempt soon.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var echoDll = Path.Combine(RepoPaths.Root, "samples", "EchoAgent", "bin", configuration, "net10.0", "EchoAgent.dll");
        Assert.True(File.Exists(echoDll), $"build the sample first: {echoDll}");
        var agents = _dir.File("launched.json");
        await File.WriteAllTextAsync(agents, JsonSerializer.Serialize(new
        {
            agents = new object[] { new { id = "echo", @default = true }, new { id = "launched", runtime = new { command = "dotnet", args = new[] { echoDll } } } },
        }));
        await using var cluster = await NodeCluster.StartAsync(0, "--agents", agents,
            "--AgentService:Runtime:HeartbeatIntervalMs=1000", "--AgentService:Runtime:LeaseGraceSeconds=1", "--AgentService:Runtime:RestartBackoffSeconds=0.1");
        var doomed = await cluster.AddProcessAsync();
        var survivor = await cluster.AddHostAsync();
        using var onDoomed = doomed.CreateClient();
        using var onSurvivor = survivor.CreateClient();
        const string prefix = "agents/launched/ap/v1/agent";

        // The first step runs on a runtime the doomed node launched.
        var taskId = await Api.CreateTaskAsync(onDoomed, "launched on A", prefix);
        var first = await Api.PostJsonAsync(onDoomed, $"{prefix}/tasks/{taskId}/steps", """{"input":"one"}""");
        Assert.Equal("one", first.GetProperty("output").GetString());

        // The node dies with its process tree (the runtime too). A step posted on the survivor completes once the
        // dead attempt's lease is over and the survivor has launched a new runtime.
        await doomed.KillAsync();
        var second = await Api.PostJsonAsync(onSurvivor, $"{prefix}/tasks/{taskId}/steps", """{"input":"two"}""");
        if (second.GetProperty("status").GetString() != "completed")
        {
            second = await Wait.UntilAsync(() => Api.GetJsonAsync(onSurvivor, $"{prefix}/tasks/{taskId}/steps/{second.GetProperty("step_id").GetString()}"),
                s => s.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(60), "the step to complete on a relaunched runtime");
        }

        Assert.Equal("two", second.GetProperty("output").GetString());
        var run = await Api.GetJsonAsync(onSurvivor, $"v1/runs/{taskId}");
        var attempts = run.GetProperty("attempts").EnumerateArray().ToList();
        Assert.True(attempts.Count >= 2, run.GetRawText());
        Assert.Equal("lost", attempts[0].GetProperty("status").GetString());
        // The new attempt starts without state and EchoAgent saves no checkpoint, so the service replays the run's
        // inputs to it (PROTOCOL.md §8) and it runs step one again; the step was completed once and stays as it was.
        var steps = await Api.GetJsonAsync(onSurvivor, $"{prefix}/tasks/{taskId}/steps");
        Assert.Equal(["one", "two"], steps.GetProperty("steps").EnumerateArray().Select(x => x.GetProperty("output").GetString()));
        Assert.Equal(first.GetProperty("step_id").GetString(), steps.GetProperty("steps")[0].GetProperty("step_id").GetString());
        Assert.Empty(cluster.Errors);
    }

    private static async Task<JsonElement> ReadUntilAsync(HttpClient http, string path, string type, long after)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Last-Event-ID", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? current = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
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
}
