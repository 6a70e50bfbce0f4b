using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>A sub-run's <c>dependsOn</c>: held until its dependencies complete, ended when one does not, refused when it
/// names a run that could never finish first.</summary>
public sealed partial class SubRunTests
{
    private static JsonObject SpawnAfter(string childRunId, IEnumerable<string> dependsOn, string hosting = "local", bool awaited = false, string agent = "reviewer")
    {
        var spawn = Spawn(childRunId, hosting, awaited, agent);
        spawn["dependsOn"] = new JsonArray([.. dependsOn.Select(id => JsonValue.Create(id))]);
        return spawn;
    }

    private Task<JsonElement> RunAsync(string runId) => Api.GetJsonAsync(_fixture.Http, $"v1/runs/{runId}");

    private async Task<long> DeliveriesAsync(string runId, string status) =>
        (long)(await _fixture.Host.ExecuteSqlAsync("SELECT COUNT(*) FROM deliveries WHERE run_id = @run AND status = @status",
            new Dictionary<string, object?> { ["run"] = runId, ["status"] = status }))!;

    [Fact]
    public async Task DependsOn_HoldsTheChildUntilItsDependencyCompletes_ThenItsTaskStartIsDelivered()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var first = TypeId.New("run");
        var second = TypeId.New("run");

        // One batch spawns both; the second depends on the first, spawned earlier in the same batch.
        var batch = RuntimeFixture.Batch(parent.ConnectionId, parent.Launched,
            RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), Spawn(first, awaited: false)),
            RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(second, [first], awaited: true)));
        Assert.Equal("ok", Code(await parent.Runtime.RequestAsync("runtime.task.output.event", batch)));

        var (firstRequest, firstStart) = await parent.Runtime.NextDeliveryAsync();
        Assert.Equal(first, firstStart.GetProperty("runId").GetString());
        await parent.Runtime.AcknowledgeAsync(firstRequest);

        // Spawned in the same millisecond, they list in spawn order (their ids were minted in that order). The parent's
        // snapshot draws the graph: each child with its status and what it waits for.
        var children = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{parent.Launched.RunId}/children");
        Assert.Equal([first, second], children.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("runId").GetString()));
        var graph = (await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{parent.Launched.RunId}/snapshot")).GetProperty("children");
        Assert.Equal([first, second], graph.EnumerateArray().Select(c => c.GetProperty("runId").GetString()));
        Assert.Equal(0, graph[0].GetProperty("dependsOn").GetArrayLength());
        Assert.Equal(first, Assert.Single(graph[1].GetProperty("dependsOn").EnumerateArray()).GetString());
        Assert.Equal("waiting", graph[1].GetProperty("status").GetString());
        var ownDependencies = (await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{second}/snapshot")).GetProperty("dependencies");
        Assert.Equal(first, Assert.Single(ownDependencies.EnumerateArray()).GetProperty("runId").GetString());

        // The second waits on the first: its task.start is stored held, and nothing of it is delivered.
        var held = await RunAsync(second);
        Assert.Equal("waiting", held.GetProperty("status").GetString());
        var reason = Assert.Single(held.GetProperty("waitingFor").EnumerateArray());
        Assert.Equal("dependency", reason.GetProperty("kind").GetString());
        Assert.Equal(first, Assert.Single(reason.GetProperty("refs").EnumerateArray()).GetProperty("id").GetString());
        Assert.True(reason.TryGetProperty("since", out var _));
        var dependency = Assert.Single(held.GetProperty("dependencies").EnumerateArray());
        Assert.Equal(first, dependency.GetProperty("runId").GetString());
        Assert.Equal("completed", dependency.GetProperty("condition").GetString());
        Assert.NotEqual("completed", dependency.GetProperty("status").GetString());
        Assert.Equal(1, await DeliveriesAsync(second, "held"));
        Assert.False(parent.Runtime.TryNextDelivery(out var early), $"nothing of the held child is delivered, got {early}");

        // It takes no events before it starts (they would start it by hand, or finish it past its dependencies).
        var heldChild = parent.Launched with { RunId = second, AttemptId = held.GetProperty("attempts")[0].GetProperty("attemptId").GetString()! };
        var early2 = await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, heldChild,
            RuntimeFixture.Event("run.started", heldChild, 1, new JsonObject { ["attemptNumber"] = 1 })));
        Assert.StartsWith("-32602", Code(early2), StringComparison.Ordinal);
        Assert.Contains("has not started", early2.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(first)).GetProperty("dependencies").GetArrayLength());
        var (exit, shown, error) = await CliRunner.RunAsync(_fixture.Host.BaseAddress, "runs", "get", second);
        Assert.True(exit == 0, error);
        Assert.Contains($"waiting for: dependency ({first})", shown, StringComparison.Ordinal);
        Assert.Contains($"parent {parent.Launched.RunId}", shown, StringComparison.Ordinal);
        Assert.Matches($@"depends on: {first} \((starting|running)\)", shown);

        // The first completes: the second's task.start goes out, naming what it waited for, and it starts.
        var child = parent.Launched with { RunId = first, AttemptId = firstStart.GetProperty("attemptId").GetString()! };
        Assert.Equal("ok", Code(await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, child,
            RuntimeFixture.Event("run.started", child, 1, new JsonObject { ["attemptNumber"] = 1 }),
            RuntimeFixture.Event("run.finished", child, 2, new JsonObject { ["status"] = "completed" })))));
        var (secondRequest, secondStart) = await parent.Runtime.NextDeliveryAsync();
        Assert.Equal(second, secondStart.GetProperty("runId").GetString());
        Assert.Equal("task.start", secondStart.GetProperty("kind").GetString());
        Assert.Equal(1, secondStart.GetProperty("sequence").GetInt64());
        var dependencies = secondStart.GetProperty("payload").GetProperty("dependencies");
        Assert.Equal(first, Assert.Single(dependencies.EnumerateArray()).GetProperty("runId").GetString());
        Assert.Equal("completed", dependencies[0].GetProperty("condition").GetString());
        await parent.Runtime.AcknowledgeAsync(secondRequest);
        var started = await RunAsync(second);
        Assert.Equal("starting", started.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, started.GetProperty("waitingFor").ValueKind);
        Assert.Equal("completed", started.GetProperty("dependencies")[0].GetProperty("status").GetString());

        // A child spawned after its dependency completed starts at once.
        var third = TypeId.New("run");
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(third, [first])));
        var (thirdRequest, thirdStart) = await parent.Runtime.NextDeliveryAsync();
        Assert.Equal(third, thirdStart.GetProperty("runId").GetString());
        await parent.Runtime.AcknowledgeAsync(thirdRequest);
        Assert.Empty(parent.Runtime.SchemaErrors);
    }

    [Fact]
    public async Task DependencyThatFails_EndsItsDependentsWithoutStarting_AndWakesTheParentWithTheirFailure()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var first = TypeId.New("run");
        var second = TypeId.New("run");
        var third = TypeId.New("run");
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), Spawn(first, awaited: true)));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(second, [first], awaited: true)));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(third, [second])));
        var (firstRequest, firstStart) = await parent.Runtime.NextDeliveryAsync();
        Assert.Equal(first, firstStart.GetProperty("runId").GetString());
        await parent.Runtime.AcknowledgeAsync(firstRequest);
        Assert.Equal("dependency", (await RunAsync(third)).GetProperty("waitingFor")[0].GetProperty("kind").GetString());

        var child = parent.Launched with { RunId = first, AttemptId = firstStart.GetProperty("attemptId").GetString()! };
        Assert.Equal("ok", Code(await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, child,
            RuntimeFixture.Event("run.finished", child, 1, new JsonObject { ["status"] = "failed", ["error"] = new JsonObject { ["code"] = "boom", ["message"] = "it broke" } })))));

        // The second never started and fails with the reason; its own dependent follows it; the parent awaited both
        // and is woken with the first's failure, then with the second's (the cause before its consequence).
        var (_, firstWake) = await parent.Runtime.NextDeliveryAsync();
        Assert.Equal(first, firstWake.GetProperty("payload").GetProperty("subrunResults")[0].GetProperty("childRunId").GetString());
        var (_, wake) = await parent.Runtime.NextDeliveryAsync();
        Assert.True(wake.GetProperty("sequence").GetInt64() > firstWake.GetProperty("sequence").GetInt64());
        Assert.Equal(parent.Launched.RunId, wake.GetProperty("runId").GetString());
        Assert.Equal("wake", wake.GetProperty("kind").GetString());
        var result = Assert.Single(wake.GetProperty("payload").GetProperty("subrunResults").EnumerateArray());
        Assert.Equal(second, result.GetProperty("childRunId").GetString());
        Assert.Equal("failed", result.GetProperty("status").GetString());
        Assert.Equal("dependency_failed", result.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(first, result.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        foreach (var ended in new[] { second, third })
        {
            var run = await RunAsync(ended);
            Assert.Equal("failed", run.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, run.GetProperty("waitingFor").ValueKind);
            var events = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{ended}/events");
            var finished = Assert.Single(events.GetProperty("events").EnumerateArray());
            Assert.Equal("run.finished", finished.GetProperty("type").GetString());
            Assert.Equal($"/runs/{ended}/service", finished.GetProperty("source").GetString());
            Assert.Equal(parent.Launched.RunId, finished.GetProperty("correlationid").GetString());
            Assert.Equal(run.GetProperty("traceparent").GetString(), finished.GetProperty("traceparent").GetString());
            Assert.Equal("dependency_failed", finished.GetProperty("data").GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(0, await DeliveriesAsync(ended, "held"));
            Assert.Equal(0, await DeliveriesAsync(ended, "pending"));
        }

        Assert.Equal("running", (await RunAsync(parent.Launched.RunId)).GetProperty("status").GetString());
        Assert.False(parent.Runtime.TryNextDelivery(out var more), $"neither dependent was ever delivered, got {more}");
    }

    [Fact]
    public async Task CancellingARunThatWaitsForItsDependencies_EndsItAtOnce_AndItsDependentsWithIt()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var first = TypeId.New("run");
        var second = TypeId.New("run");
        var remote = TypeId.New("run");
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), Spawn(first, awaited: false)));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(second, [first])));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(remote, [second], "service", agent: "workers")));
        var (firstRequest, _) = await parent.Runtime.NextDeliveryAsync();
        await parent.Runtime.AcknowledgeAsync(firstRequest);

        // A service-hosted child waiting for its dependencies is not claimable: nothing could run.
        Assert.Null(await _fixture.ClaimAsync("w-held"));

        var answer = await Api.PostJsonAsync(_fixture.Http, $"v1/runs/{second}/cancel", """{"reason":"not needed"}""", HttpStatusCode.Accepted);
        Assert.Equal(second, answer.GetProperty("runId").GetString());
        Assert.Equal("cancelled", answer.GetProperty("status").GetString());
        var cancelled = await RunAsync(second);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var remoteRun = await RunAsync(remote);
        Assert.Equal("cancelled", remoteRun.GetProperty("status").GetString());
        var events = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{remote}/events");
        var error = Assert.Single(events.GetProperty("events").EnumerateArray()).GetProperty("data").GetProperty("error");
        Assert.Equal("dependency_failed", error.GetProperty("code").GetString());
        Assert.Contains($"{second} ended cancelled", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The dependency itself goes on; nothing was delivered for the ended runs, and a second cancel is a conflict.
        Assert.Equal("starting", (await RunAsync(first)).GetProperty("status").GetString());
        Assert.False(parent.Runtime.TryNextDelivery(out var delivered), $"no cancel goes to a run that never started, got {delivered}");
        await Api.PostJsonAsync(_fixture.Http, $"v1/runs/{second}/cancel", "{}", HttpStatusCode.Conflict);
        Assert.Null(await _fixture.ClaimAsync("w-held"));
    }

    [Fact]
    public async Task ServiceHostedChild_IsClaimableOnlyOnceItsDependencyCompleted()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var first = TypeId.New("run");
        var remote = TypeId.New("run");
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), Spawn(first, awaited: false)));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(remote, [first], "service", agent: "workers")));
        var (firstRequest, firstStart) = await parent.Runtime.NextDeliveryAsync();
        await parent.Runtime.AcknowledgeAsync(firstRequest);
        Assert.Null(await _fixture.ClaimAsync("w-early"));

        // A worker already waiting for work is woken when the dependency completes.
        var waitingClaim = _fixture.ClaimAsync("w-waiting", waitSeconds: 20);
        var child = parent.Launched with { RunId = first, AttemptId = firstStart.GetProperty("attemptId").GetString()! };
        Assert.Equal("ok", Code(await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, child,
            RuntimeFixture.Event("run.finished", child, 1, new JsonObject { ["status"] = "completed" })))));
        var claim = await waitingClaim;
        Assert.Equal(remote, claim!.RunId);
        await using var worker = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        Assert.Equal("ok", Code(await worker.AttachAsync(claim.RunId, claim.AttemptId, "rti_dependent")));
        var (_, start) = await worker.NextDeliveryAsync();
        Assert.Equal("task.start", start.GetProperty("kind").GetString());
        Assert.Equal(first, start.GetProperty("payload").GetProperty("dependencies")[0].GetProperty("runId").GetString());
        Assert.Empty(worker.SchemaErrors);
    }

    [Fact]
    public async Task AChainOfThousandsOfDependents_EndsWithItsFirstRun_WithoutTakingTheServerDown()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var chain = Enumerable.Range(0, 4000).Select(_ => TypeId.New("run")).ToList();
        for (var start = 0; start < chain.Count; start += 500)
        {
            var spawns = chain.Skip(start).Take(500)
                .Select((id, i) => RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), start + i == 0 ? Spawn(id, awaited: false) : SpawnAfter(id, [chain[start + i - 1]])))
                .ToArray();
            Assert.Equal("ok", Code(await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, parent.Launched, spawns), TimeSpan.FromSeconds(120))));
        }

        var (startRequest, start0) = await parent.Runtime.NextDeliveryAsync();
        await parent.Runtime.AcknowledgeAsync(startRequest);
        var head = parent.Launched with { RunId = chain[0], AttemptId = start0.GetProperty("attemptId").GetString()! };
        Assert.Equal("ok", Code(await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, head,
            RuntimeFixture.Event("run.finished", head, 1, new JsonObject { ["status"] = "cancelled" })), TimeSpan.FromSeconds(120))));

        // Each waited for the one before: all end with the head, in one write; the service is still there.
        Assert.Equal("cancelled", (await RunAsync(chain[^1])).GetProperty("status").GetString());
        Assert.Equal((long)chain.Count, await _fixture.Host.ExecuteSqlAsync("SELECT COUNT(*) FROM runs WHERE parent_run_id = @run AND status = 'cancelled'",
            new Dictionary<string, object?> { ["run"] = parent.Launched.RunId }));
        Assert.Equal("running", (await RunAsync(parent.Launched.RunId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ParentFinishing_EndsItsLocalChildThatStillWaitsForItsDependency()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var remote = TypeId.New("run");
        var local = TypeId.New("run");
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), Spawn(remote, "service", awaited: false, agent: "workers")));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(local, [remote], awaited: true)));
        await parent.PublishAsync(RuntimeFixture.Event("run.finished", parent.Launched, parent.NextSeq(), new JsonObject { ["status"] = "completed" }));

        // Nothing is left to run the local child (its host's attempt ended with the run): it fails now, not never.
        var child = await RunAsync(local);
        Assert.Equal("failed", child.GetProperty("status").GetString());
        Assert.Equal("host run finished", child.GetProperty("attempts")[0].GetProperty("exitReason").GetString());
        var finished = Assert.Single((await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{local}/events")).GetProperty("events").EnumerateArray());
        Assert.Equal("attempt_lost", finished.GetProperty("data").GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("queued", (await RunAsync(remote)).GetProperty("status").GetString());

        // The finished parent is left with nothing to deliver (no wake for a child it can no longer hear of).
        Assert.Equal("completed", (await RunAsync(parent.Launched.RunId)).GetProperty("status").GetString());
        Assert.Equal(0, await DeliveriesAsync(parent.Launched.RunId, "pending"));
    }

    [Fact]
    public async Task DependsOn_ARunThatWaitsForTheParent_IsRefused_ItWouldNeverStart()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var middle = TypeId.New("run");
        var after = TypeId.New("run");
        var later = TypeId.New("run");
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), Spawn(middle, awaited: false)));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(after, [middle])));
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(later, [after])));
        var (startRequest, start) = await parent.Runtime.NextDeliveryAsync();
        await parent.Runtime.AcknowledgeAsync(startRequest);

        // middle's own child may not wait for 'later', which waits (through 'after') for middle itself.
        var spawner = parent.Launched with { RunId = middle, AttemptId = start.GetProperty("attemptId").GetString()! };
        var refused = await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, spawner,
            RuntimeFixture.Event("subrun.spawned", spawner, 1, SpawnAfter(TypeId.New("run"), [later], awaited: true))));
        Assert.StartsWith("-32602", Code(refused), StringComparison.Ordinal);
        var message = refused.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("/dependsOn/0", message, StringComparison.Ordinal);
        Assert.Contains($"through its dependencies, for run {middle}", message, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(middle)).GetProperty("children").GetArrayLength());

        // The parent's own children may wait for 'later': nothing in its chain waits for the parent.
        await parent.PublishAsync(RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.NextSeq(), SpawnAfter(TypeId.New("run"), [later])));
        Assert.Equal(4, (await RunAsync(parent.Launched.RunId)).GetProperty("children").GetArrayLength());
    }

    [Fact]
    public async Task DependsOn_NamingARunThatCannotFinishFirst_IsRefusedAndCreatesNothing()
    {
        var parent = await StartParentAsync();
        await using var _ = parent.Runtime;
        var (otherTask, _) = await _fixture.CreateTaskWithStepAsync();
        var tooMany = Enumerable.Range(0, 65).Select(_ => TypeId.New("run")).ToList();
        var child = TypeId.New("run");
        var cases = new (IEnumerable<string> DependsOn, string Pointer, string Message)[]
        {
            ([TypeId.New("run")], "/dependsOn/0", "not a run of this run's tree"),
            ([otherTask], "/dependsOn/0", "not a run of this run's tree"),
            ([parent.Launched.RunId], "/dependsOn/0", "ancestors"),
            ([child], "/dependsOn/0", "itself"),
            (tooMany, "/dependsOn", "at most 64"),
        };
        foreach (var (dependsOn, pointer, message) in cases)
        {
            var refused = await parent.Runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(parent.ConnectionId, parent.Launched,
                RuntimeFixture.Event("subrun.spawned", parent.Launched, parent.Seq + 1, SpawnAfter(child, dependsOn))));
            Assert.StartsWith("-32602", Code(refused), StringComparison.Ordinal);
            var text = refused.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains(pointer, text, StringComparison.Ordinal);
            Assert.Contains(message, text, StringComparison.Ordinal);
        }

        await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{child}", HttpStatusCode.NotFound);
        var run = await RunAsync(parent.Launched.RunId);
        Assert.Equal(1, run.GetProperty("eventCount").GetInt64());
        Assert.Equal(0L, await _fixture.Host.ExecuteSqlAsync("SELECT COUNT(*) FROM run_dependencies", null));
    }
}
