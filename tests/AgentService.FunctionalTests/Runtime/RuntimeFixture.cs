using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>
/// A real server whose agent <c>manual</c> has a runtime definition: the launched "runtime" is a shell that writes
/// the environment the launcher gave it (URL, run id, attempt id, run token) to a file and waits — the test then
/// plays the runtime over the WebSocket with those credentials.
/// </summary>
internal sealed class RuntimeFixture : IAsyncDisposable
{
    public const string Prefix = "agents/manual/ap/v1/agent";

    private RuntimeFixture(ServiceHost host, TempDirectory dir)
    {
        Host = host;
        Dir = dir;
        Http = host.CreateClient();
    }

    public ServiceHost Host { get; }

    public TempDirectory Dir { get; }

    public HttpClient Http { get; }

    public static Task<RuntimeFixture> StartAsync(string extraAgentJson = "", params string[] extraArgs) =>
        StartConfiguredAsync(null, extraAgentJson, extraArgs);

    /// <summary>Starts the fixture with <paramref name="configure"/> applied to the server's builder (e.g. a manual clock).</summary>
    public static async Task<RuntimeFixture> StartConfiguredAsync(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure, string extraAgentJson = "", params string[] extraArgs)
    {
        var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("env"));
        var script = "printf '%s\\n%s\\n%s\\n%s\\n' \"$AGENTSERVICE_URL\" \"$AGENTSERVICE_RUN_ID\" \"$AGENTSERVICE_ATTEMPT_ID\" \"$AGENTSERVICE_RUN_TOKEN\" > \"$ENV_DIR/$AGENTSERVICE_ATTEMPT_ID.tmp\" && mv \"$ENV_DIR/$AGENTSERVICE_ATTEMPT_ID.tmp\" \"$ENV_DIR/$AGENTSERVICE_ATTEMPT_ID.env\"; echo started; exec sleep 300";
        var agents = new JsonObject
        {
            ["agents"] = new JsonArray
            {
                new JsonObject { ["id"] = "echo", ["default"] = true },
                new JsonObject { ["id"] = "workers", ["runtime"] = new JsonObject { ["mode"] = "worker" } },
                new JsonObject
                {
                    ["id"] = "manual",
                    ["config"] = new JsonObject { ["model"] = "test-model", ["temperature"] = 0.5 },
                    ["secrets"] = new JsonObject { ["API_KEY"] = "sk-test-123", ["OTHER"] = "other-secret" },
                    ["runtime"] = new JsonObject
                    {
                        ["command"] = "/bin/sh",
                        ["args"] = new JsonArray("-c", script),
                        ["env"] = new JsonObject { ["ENV_DIR"] = dir.File("env") },
                    },
                },
            },
        };
        if (extraAgentJson.Length > 0)
        {
            ((JsonArray)agents["agents"]!).Add(JsonNode.Parse(extraAgentJson));
        }

        await File.WriteAllTextAsync(dir.File("agents.json"), agents.ToJsonString());
        string[] args = ["--agents", dir.File("agents.json"), "--AgentService:Runtime:SweepIntervalSeconds=0.2", .. extraArgs];
        var host = configure is null ? await ServiceHost.StartAsync(null, args) : await ServiceHost.StartConfiguredAsync(configure, null, args);
        return new RuntimeFixture(host, dir);
    }

    /// <summary>Creates a task of the runtime agent and posts a step without waiting; returns the ids.</summary>
    public async Task<(string TaskId, string StepId)> CreateTaskWithStepAsync(string input = "hello", string prefix = Prefix)
    {
        var taskId = await Api.CreateTaskAsync(Http, "the task", prefix);
        var stepId = await PostStepAsync(taskId, input, prefix);
        return (taskId, stepId);
    }

    public async Task<string> PostStepAsync(string taskId, string input, string prefix = Prefix)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{prefix}/tasks/{taskId}/steps") { Content = Api.Json(JsonSerializer.Serialize(new { input })) };
        request.Headers.Add("Prefer", "wait=0");
        using var response = await Http.SendAsync(request);
        var step = await Api.ReadJsonAsync(response, HttpStatusCode.OK);
        return step.GetProperty("step_id").GetString()!;
    }

    /// <summary>Claims a run of the worker agent as a worker would; <c>null</c> on 204.</summary>
    public async Task<LaunchedRuntime?> ClaimAsync(string workerId, int waitSeconds = 0, int leaseSeconds = 60)
    {
        using var response = await Http.PostAsync($"v1/agents/workers/claims?waitSeconds={waitSeconds}", Api.Json(JsonSerializer.Serialize(new { workerId, leaseSeconds })));
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        var claim = await Api.ReadJsonAsync(response, HttpStatusCode.OK);
        return new LaunchedRuntime(Host.BaseAddress, claim.GetProperty("runId").GetString()!, claim.GetProperty("attemptId").GetString()!, claim.GetProperty("runToken").GetString()!);
    }

    /// <summary>Waits until the run has <paramref name="status"/>; returns the run (GET /v1/runs/{id}).</summary>
    public Task<JsonElement> WaitForRunStatusAsync(string runId, string status, int seconds = 20) =>
        Wait.UntilAsync(
            () => Api.GetJsonAsync(Http, $"v1/runs/{runId}"),
            r => r.GetProperty("status").GetString() == status,
            TimeSpan.FromSeconds(seconds), $"run {runId} to be {status}");

    /// <summary>Where the launcher keeps an attempt's stdout and stderr.</summary>
    public string AttemptLog(string runId, string attemptId) => Path.Combine(Host.DataDir, "runs", runId, attemptId + ".log");

    /// <summary>Waits for the launcher to start a runtime for an attempt; returns what it was given.</summary>
    public async Task<LaunchedRuntime> WaitForLaunchAsync(string runId, int attemptNumber = 1)
    {
        var files = await Wait.UntilAsync(
            () => Task.FromResult(Directory.GetFiles(Dir.File("env"), "*.env").Select(File.ReadAllLines).Where(l => l.Length == 4 && l[1] == runId).ToList()),
            list => list.Count >= attemptNumber,
            TimeSpan.FromSeconds(20),
            $"attempt {attemptNumber} of run {runId} to be launched");
        var lines = files.OrderBy(l => l[2], StringComparer.Ordinal).ElementAt(attemptNumber - 1);
        return new LaunchedRuntime(new Uri(lines[0]), lines[1], lines[2], lines[3]);
    }

    public static JsonObject Event(string type, LaunchedRuntime runtime, long seq, JsonObject data, string? eventId = null) => new()
    {
        ["specversion"] = "1.0",
        ["id"] = eventId ?? TypeId.New("evt"),
        ["type"] = type,
        ["source"] = $"/runs/{runtime.RunId}/attempts/{runtime.AttemptId}",
        ["time"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["runid"] = runtime.RunId,
        ["attemptid"] = runtime.AttemptId,
        ["seq"] = seq,
        ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ["data"] = data,
    };

    public static JsonObject Batch(string connectionId, LaunchedRuntime runtime, params JsonObject[] events) => new()
    {
        ["runtimeConnectionId"] = connectionId,
        ["runId"] = runtime.RunId,
        ["events"] = new JsonArray(events),
    };

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        Dir.Dispose();
    }
}

/// <summary>What the launcher put in a runtime's environment.</summary>
internal sealed record LaunchedRuntime(Uri ServiceUrl, string RunId, string AttemptId, string Token);
