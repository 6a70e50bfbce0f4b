using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.MultiNode;

/// <summary>
/// A connection string that turns on Npgsql's automatic preparation (<c>Max Auto Prepare</c>) is the operator's choice,
/// and the stores stay correct under it: a command reused within a write (one insert per event of a batch) sends each
/// execution's own values. Before, a prepared command re-sent the values of its first execution, so the second event of
/// a batch collided with the first and every batch after the preparation was refused.
/// </summary>
[Trait("Storage", "PostgresOnly")]
public sealed class PostgresAutoPrepareTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [PostgresFact]
    public async Task WithAutoPrepare_EveryEventOfEveryBatchIsStoredInOrder()
    {
        var agentsFile = _dir.File("agents.json");
        await File.WriteAllTextAsync(agentsFile, """{"agents": [{"id": "workers", "runtime": {"mode": "worker"}}]}""");
        var (name, connectionString) = await TestStorage.CreateSharedDatabaseAsync();
        try
        {
            await using var host = await ServiceHost.StartNodeAsync(connectionString + ";Max Auto Prepare=64;Auto Prepare Min Usages=2", "--agents", agentsFile);
            using var http = host.CreateClient();
            var taskId = await Api.CreateTaskAsync(http, "prepared", "agents/workers/ap/v1/agent");
            using (var step = new HttpRequestMessage(HttpMethod.Post, $"agents/workers/ap/v1/agent/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"go"}""") })
            {
                step.Headers.Add("Prefer", "wait=0");
                using var posted = await http.SendAsync(step);
                Assert.Equal(System.Net.HttpStatusCode.OK, posted.StatusCode);
            }

            var claim = await Api.PostJsonAsync(http, "v1/agents/workers/claims?waitSeconds=10", """{"workerId":"raw","leaseSeconds":60}""");
            var launched = new LaunchedRuntime(host.BaseAddress, claim.GetProperty("runId").GetString()!, claim.GetProperty("attemptId").GetString()!, claim.GetProperty("runToken").GetString()!);
            await using var runtime = await RawRuntime.ConnectAsync(host.BaseAddress, launched.Token);
            var connectionId = (await runtime.AttachAsync(launched.RunId, launched.AttemptId)).GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;

            var seq = 0;
            for (var batch = 0; batch < 6; batch++)
            {
                var events = Enumerable.Range(0, 3)
                    .Select(_ => RuntimeFixture.Event("log.emitted", launched, ++seq, new JsonObject { ["level"] = "info", ["message"] = $"line {seq}" }))
                    .ToArray();
                var reply = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched, events));
                Assert.True(reply.TryGetProperty("result", out var result) && result.GetProperty("accepted").GetBoolean(), $"batch {batch}: {reply}");
            }

            var stored = await Api.GetJsonAsync(http, $"v1/runs/{launched.RunId}/events?limit=100");
            var messages = stored.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("message").GetString()).ToList();
            Assert.Equal(Enumerable.Range(1, 18).Select(i => $"line {i}"), messages);
            Assert.Empty(host.Errors);
        }
        finally
        {
            await TestStorage.DropSharedDatabaseAsync(name);
        }
    }
}
