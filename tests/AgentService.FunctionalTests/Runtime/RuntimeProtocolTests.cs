using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

// The run, delivery and event stores are SQLite-only so far: the PostgreSQL run of the suite leaves these out.
public sealed class RuntimeProtocolTests : IAsyncLifetime
{
    private RuntimeFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await RuntimeFixture.StartAsync();

    public async Task DisposeAsync()
    {
        Assert.Empty(_fixture.Host.Errors);
        await _fixture.DisposeAsync();
    }

    private static string Code(JsonElement reply) => reply.TryGetProperty("error", out var e)
        ? $"{e.GetProperty("code").GetInt32()} {e.GetProperty("data").GetProperty("reason").GetString()}"
        : "ok";

    private async Task<(LaunchedRuntime Launched, RawRuntime Runtime, string ConnectionId, string StepId)> AttachedAsync(string input = "hello")
    {
        var (taskId, stepId) = await _fixture.CreateTaskWithStepAsync(input);
        var launched = await _fixture.WaitForLaunchAsync(taskId);
        var runtime = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token);
        var attach = await runtime.AttachAsync(launched.RunId, launched.AttemptId);
        Assert.Equal("ok", Code(attach));
        return (launched, runtime, attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!, stepId);
    }

    [Fact]
    public async Task Upgrade_WithoutOrWithAWrongToken_Is401()
    {
        var uri = new UriBuilder(_fixture.Host.BaseAddress) { Scheme = "ws", Path = "/runtime" }.Uri;
        foreach (var token in new[] { null, "rt_not-a-token" })
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            if (token is not null)
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            }

            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
            Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
            Assert.Equal(["Bearer"], socket.HttpResponseHeaders!["WWW-Authenticate"]);
        }

        // A plain GET without a token is refused for the token first, like any endpoint.
        using var plain = await _fixture.Http.GetAsync("runtime");
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
    }

    [Fact]
    public async Task Step_RunsOnTheRuntime_DeliveriesInOrderAndEventsCompleteTheStep()
    {
        var (launched, runtime, connectionId, stepId) = await AttachedAsync("ping");
        await using var _ = runtime;

        var (startId, start) = await runtime.NextDeliveryAsync();
        Assert.Equal("task.start", start.GetProperty("kind").GetString());
        Assert.Equal(1, start.GetProperty("sequence").GetInt64());
        Assert.Equal("the task", start.GetProperty("payload").GetProperty("task").GetProperty("instructions").GetString());
        var (stepRequest, step) = await runtime.NextDeliveryAsync();
        Assert.Equal("step.input", step.GetProperty("kind").GetString());
        Assert.Equal(2, step.GetProperty("sequence").GetInt64());
        Assert.Equal(stepId, step.GetProperty("payload").GetProperty("stepId").GetString());
        Assert.Equal("ping", step.GetProperty("payload").GetProperty("value").GetProperty("input").GetString());
        await runtime.AcknowledgeAsync(startId);
        await runtime.AcknowledgeAsync(stepRequest);

        var published = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched,
            RuntimeFixture.Event("run.started", launched, 1, new JsonObject { ["attemptNumber"] = 1 }),
            RuntimeFixture.Event("step.started", launched, 2, new JsonObject { ["stepId"] = stepId, ["kind"] = "custom", ["index"] = 0 }),
            RuntimeFixture.Event("step.finished", launched, 3, new JsonObject { ["stepId"] = stepId, ["status"] = "completed", ["output"] = "pong", ["isLast"] = true, ["name"] = "reply", ["additionalOutput"] = new JsonObject { ["tokens"] = 3 } })));
        Assert.True(published.GetProperty("result").GetProperty("accepted").GetBoolean());

        var stored = await Api.GetJsonAsync(_fixture.Http, $"{RuntimeFixture.Prefix}/tasks/{launched.RunId}/steps/{stepId}");
        Assert.Equal("completed", stored.GetProperty("status").GetString());
        Assert.Equal("pong", stored.GetProperty("output").GetString());
        Assert.Equal("reply", stored.GetProperty("name").GetString());
        Assert.True(stored.GetProperty("is_last").GetBoolean());
        Assert.Equal(3, stored.GetProperty("additional_output").GetProperty("tokens").GetInt32());

        var run = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{launched.RunId}");
        Assert.Equal("running", run.GetProperty("status").GetString());
        Assert.Equal(launched.AttemptId, run.GetProperty("attempts")[0].GetProperty("attemptId").GetString());
        Assert.Equal(connectionId, run.GetProperty("connection").GetProperty("runtimeConnectionId").GetString());
        var events = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{launched.RunId}/events?after=1");
        Assert.Equal(["step.started", "step.finished"], events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(3, events.GetProperty("events")[1].GetProperty("position").GetInt64());
        Assert.False(events.GetProperty("more").GetBoolean());

        // Paging: "more" says whether another page follows, so a full last page is not followed by an empty one.
        var full = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{launched.RunId}/events?after=1&limit=2");
        Assert.Equal(2, full.GetProperty("events").GetArrayLength());
        Assert.False(full.GetProperty("more").GetBoolean());
        var partial = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{launched.RunId}/events?limit=2");
        Assert.True(partial.GetProperty("more").GetBoolean());
        Assert.Equal(2, partial.GetProperty("after").GetInt64());
        Assert.Empty(runtime.SchemaErrors);
    }

    [Fact]
    public async Task PostStep_WaitsForTheRuntimesAnswer()
    {
        var (launched, runtime, connectionId, firstStep) = await AttachedAsync();
        await using var _ = runtime;
        await runtime.NextDeliveryAsync();
        await runtime.NextDeliveryAsync();

        var post = Api.PostJsonAsync(_fixture.Http, $"{RuntimeFixture.Prefix}/tasks/{launched.RunId}/steps", """{"input":"second"}""");
        var (_, delivery) = await runtime.NextDeliveryAsync();
        var stepId = delivery.GetProperty("payload").GetProperty("stepId").GetString()!;
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched,
            RuntimeFixture.Event("step.finished", launched, 1, new JsonObject { ["stepId"] = stepId, ["status"] = "failed", ["error"] = new JsonObject { ["code"] = "boom", ["message"] = "it broke" } })));

        var step = await post;
        Assert.Equal(stepId, step.GetProperty("step_id").GetString());
        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("boom", step.GetProperty("additional_output").GetProperty("error").GetProperty("code").GetString());
        Assert.NotEqual(firstStep, stepId);
    }

    [Fact]
    public async Task Output_DuplicatesAreIgnoredAndGapsRefused()
    {
        var (launched, runtime, connectionId, stepId) = await AttachedAsync();
        await using var _ = runtime;
        var first = RuntimeFixture.Event("run.started", launched, 1, new JsonObject { ["attemptNumber"] = 1 });

        Assert.Equal("ok", Code(await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched, first))));
        Assert.Equal("ok", Code(await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched, (JsonObject)first.DeepClone()))));
        var gap = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched,
            RuntimeFixture.Event("log.emitted", launched, 5, new JsonObject { ["level"] = "info", ["message"] = "x" })));
        Assert.Equal("1020 sequence_gap", Code(gap));
        Assert.Equal(2, gap.GetProperty("error").GetProperty("data").GetProperty("details").GetProperty("expectedSeq").GetInt64());
        var reuse = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched,
            RuntimeFixture.Event("log.emitted", launched, 1, new JsonObject { ["level"] = "info", ["message"] = "x" })));
        Assert.Equal("-32602 invalid_params", Code(reuse));

        // A gap after the batch's first new event: no resend fixes that batch, so it is -32602, not a 1020 that names a seq.
        var inner = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, launched,
            RuntimeFixture.Event("log.emitted", launched, 2, new JsonObject { ["level"] = "info", ["message"] = "x" }),
            RuntimeFixture.Event("log.emitted", launched, 4, new JsonObject { ["level"] = "info", ["message"] = "y" })));
        Assert.Equal("-32602 invalid_params", Code(inner));

        var events = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{launched.RunId}/events");
        Assert.Single(events.GetProperty("events").EnumerateArray());
        Assert.NotNull(stepId);
        Assert.Empty(runtime.SchemaErrors);
    }

    [Fact]
    public async Task Commands_KvConfigSecretsHeartbeat()
    {
        var (launched, runtime, connectionId, _) = await AttachedAsync();
        await using var __ = runtime;
        JsonObject P(JsonObject extra)
        {
            extra["runtimeConnectionId"] = connectionId;
            extra["runId"] = launched.RunId;
            return extra;
        }

        var set = await runtime.RequestAsync("runtime.connection.kv.set.command", P(new JsonObject { ["kv"] = new JsonObject { ["a"] = "1", ["b"] = "two" } }));
        Assert.True(set.GetProperty("result").GetProperty("accepted").GetBoolean());
        var get = await runtime.RequestAsync("runtime.connection.kv.get.command", P(new JsonObject { ["keys"] = new JsonArray("a", "b", "missing") }));
        Assert.Equal("""{"a":"1","b":"two"}""", get.GetProperty("result").GetProperty("kv").GetRawText());

        var config = await runtime.RequestAsync("runtime.connection.config.get.command", P(new JsonObject()));
        Assert.Equal("test-model", config.GetProperty("result").GetProperty("config").GetProperty("model").GetString());
        var secrets = await runtime.RequestAsync("runtime.connection.secrets.get.command", P(new JsonObject { ["names"] = new JsonArray("API_KEY", "NOPE") }));
        Assert.Equal("""{"API_KEY":"sk-test-123"}""", secrets.GetProperty("result").GetProperty("secrets").GetRawText());

        var heartbeat = await runtime.RequestAsync("runtime.connection.heartbeat.command", P(new JsonObject { ["runtimeInstanceId"] = "rti_test" }));
        Assert.True(heartbeat.GetProperty("result").GetProperty("accepted").GetBoolean());
        var otherInstance = await runtime.RequestAsync("runtime.connection.heartbeat.command", P(new JsonObject { ["runtimeInstanceId"] = "rti_someone_else" }));
        Assert.Equal("1006 instance_mismatch", Code(otherInstance));

        var tooLong = await runtime.RequestAsync("runtime.connection.kv.set.command", P(new JsonObject { ["kv"] = new JsonObject { [new string('k', 300)] = "v" } }));
        Assert.Equal("-32602 invalid_params", Code(tooLong));
        var notString = await runtime.RequestAsync("runtime.connection.kv.set.command", P(new JsonObject { ["kv"] = new JsonObject { ["n"] = 5 } }));
        Assert.Equal("-32602 invalid_params", Code(notString));
        var details = notString.GetProperty("error").GetProperty("data").GetProperty("details");
        Assert.Equal("/params/kv/n", details.GetProperty("pointer").GetString());
        Assert.Equal("/params/kv/n", details.GetProperty("errors")[0].GetProperty("pointer").GetString()); // wire/frame.json: errors [{pointer, message}]
        Assert.Equal(details.GetProperty("message").GetString(), details.GetProperty("errors")[0].GetProperty("message").GetString());
        var after = await runtime.RequestAsync("runtime.connection.kv.get.command", P(new JsonObject { ["keys"] = new JsonArray("n") }));
        Assert.Equal("{}", after.GetProperty("result").GetProperty("kv").GetRawText());
        Assert.Empty(runtime.SchemaErrors);
    }

    [Fact]
    public async Task Attach_Refusals_NameTheirCode()
    {
        var (taskId, _) = await _fixture.CreateTaskWithStepAsync();
        var launched = await _fixture.WaitForLaunchAsync(taskId);
        var other = await Api.CreateTaskAsync(_fixture.Http, "other", RuntimeFixture.Prefix);

        async Task<string> Refused(Func<RawRuntime, Task<JsonElement>> attach)
        {
            await using var runtime = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token);
            var reply = await attach(runtime);
            await runtime.Closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Empty(runtime.SchemaErrors);
            return Code(reply);
        }

        Assert.Equal("1001 unsupported_protocol_version", await Refused(r => r.AttachAsync(launched.RunId, launched.AttemptId, version: "v2")));
        Assert.Equal("1040 forbidden", await Refused(r => r.AttachAsync(other, null)));
        Assert.Equal("1010 capability_not_negotiated", await Refused(async r =>
        {
            var reply = await r.AttachAsync(launched.RunId, launched.AttemptId, capabilities: ["input.receive"]);
            Assert.Equal("""{"requiredCapabilities":[{"surface":"core","name":"output.publish"}]}""", // wire/frame.json, code 1010
                reply.GetProperty("error").GetProperty("data").GetProperty("details").GetRawText());
            return reply;
        }));
        Assert.Equal("1004 attempt_superseded", await Refused(r => r.AttachAsync(launched.RunId, "att_01jq3v8d6ef5tr9w2k7m4n8p0x")));
        Assert.Equal("-32602 invalid_params", await Refused(async r =>
        {
            var reply = await r.AttachAsync("run_NOT-VALID", null);
            var details = reply.GetProperty("error").GetProperty("data").GetProperty("details");
            Assert.Equal("/params/runId", details.GetProperty("pointer").GetString());
            Assert.Equal("/params/runId", details.GetProperty("errors")[0].GetProperty("pointer").GetString());
            r.Abort();
            return reply;
        }));
    }

    [Fact]
    public async Task Frames_BeforeAttachOrMalformed_GetJsonRpcErrors()
    {
        var (taskId, _) = await _fixture.CreateTaskWithStepAsync();
        var launched = await _fixture.WaitForLaunchAsync(taskId);
        await using var runtime = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token);

        var notAttached = await runtime.RequestAsync("runtime.connection.heartbeat.command", new JsonObject { ["runtimeConnectionId"] = "rtc_01jq3v8d6ef5tr9w2k7m4n8p0x", ["runId"] = launched.RunId });
        Assert.Equal("1000 not_attached", Code(notAttached));
        var unknown = await runtime.RequestAsync("runtime.connection.nothing", new JsonObject());
        Assert.Equal("-32601 method_not_found", Code(unknown));
        var parse = await runtime.SendAndWaitAsync("", "x", "{not json");
        Assert.Equal("-32700 parse_error", Code(parse));
        var batch = await runtime.SendAndWaitAsync("", "x", "[]");
        Assert.Equal("-32600 invalid_request", Code(batch));
        Assert.Empty(runtime.SchemaErrors);
    }

    [Fact]
    public async Task Fencing_NewerAttachSupersedesTheOldSocketAndStaleEpochsAreRefused()
    {
        var (launched, first, firstConnection, _) = await AttachedAsync();
        await using var __ = first;

        await using var second = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token);
        var attach = await second.AttachAsync(launched.RunId, launched.AttemptId, epoch: 1, reconnect: true);
        Assert.Equal("ok", Code(attach));
        Assert.Equal((WebSocketCloseStatus)4001, await first.Closed.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        var secondConnection = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
        Assert.Equal("ok", Code(await second.RequestAsync("runtime.connection.recover.command", new JsonObject { ["runtimeConnectionId"] = secondConnection, ["mainRunId"] = launched.RunId })));
        var stale = await second.RequestAsync("runtime.connection.heartbeat.command", new JsonObject { ["runtimeConnectionId"] = firstConnection, ["runId"] = launched.RunId });
        Assert.Equal("1003 connection_superseded", Code(stale));
        var ok = await second.RequestAsync("runtime.connection.heartbeat.command", new JsonObject { ["runtimeConnectionId"] = secondConnection, ["runId"] = launched.RunId });
        Assert.Equal("ok", Code(ok));

        await using (var third = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token))
        {
            Assert.Equal("1002 epoch_fenced", Code(await third.AttachAsync(launched.RunId, launched.AttemptId, epoch: 1, reconnect: true)));
        }

        await using (var intruder = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token))
        {
            Assert.Equal("1006 instance_mismatch", Code(await intruder.AttachAsync(launched.RunId, launched.AttemptId, instanceId: "rti_other", epoch: 9)));
        }
    }

    [Fact]
    public async Task Reconnect_RedeliversUnacknowledgedInputsWithTheSameIdsAfterRecover()
    {
        var (launched, first, _, stepId) = await AttachedAsync();
        var (_, start) = await first.NextDeliveryAsync();
        var (stepRequest, step) = await first.NextDeliveryAsync();
        await first.AcknowledgeAsync(stepRequest); // only the step is acknowledged
        await Wait.UntilAsync(
            () => _fixture.Host.ExecuteSqlAsync("SELECT status FROM deliveries WHERE sequence = 2 AND run_id = @run", new Dictionary<string, object?> { ["run"] = launched.RunId }),
            status => (string?)status == "acked",
            what: "the acknowledgement to be stored");
        first.Abort();
        await first.DisposeAsync();

        await using var second = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token);
        var attach = await second.AttachAsync(launched.RunId, launched.AttemptId, epoch: 1, reconnect: true);
        var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
        Assert.False(second.TryNextDelivery(out _));

        // PROTOCOL.md §6: recover is the first request after a reconnect attach, with the attach's epoch.
        var early = await second.RequestAsync("runtime.connection.kv.get.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = launched.RunId, ["keys"] = new JsonArray("a") });
        Assert.Equal("-32600 invalid_request", Code(early));
        var wrongEpoch = await second.RequestAsync("runtime.connection.recover.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["mainRunId"] = launched.RunId, ["connectionEpoch"] = 2 });
        Assert.Equal("-32602 invalid_params", Code(wrongEpoch));
        Assert.Equal("/params/connectionEpoch", wrongEpoch.GetProperty("error").GetProperty("data").GetProperty("details").GetProperty("pointer").GetString());
        Assert.False(second.TryNextDelivery(out _), "nothing is delivered before an accepted recover");
        var recover = await second.RequestAsync("runtime.connection.recover.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["mainRunId"] = launched.RunId, ["connectionEpoch"] = 1 });
        Assert.Equal("ok", Code(recover));

        var (_, again) = await second.NextDeliveryAsync();
        Assert.Equal(start.GetProperty("deliveryId").GetString(), again.GetProperty("deliveryId").GetString());
        Assert.Equal(1, again.GetProperty("sequence").GetInt64());
        Assert.Equal(2, again.GetProperty("deliveryCount").GetInt32());
        Assert.Equal(stepId, step.GetProperty("payload").GetProperty("stepId").GetString());

        // The pump sends in sequence order right after #1; a round trip later, #2 (acknowledged) has not come.
        await second.RequestAsync("runtime.connection.heartbeat.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = launched.RunId });
        Assert.False(second.TryNextDelivery(out _), "the acknowledged step input is not sent again");
        Assert.Empty(second.SchemaErrors);
    }
}
