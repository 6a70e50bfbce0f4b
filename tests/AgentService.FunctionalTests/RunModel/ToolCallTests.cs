using System.Net;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.RunModel;

/// <summary>Tool calls: the lifecycle record projected from tool.call.* events, listed per run in log order.</summary>
public sealed class ToolCallTests
{
    [Fact]
    public async Task ToolCalls_AreProjectedIntoLifecycleRecords_ListedInOrder_AndPaged()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var (done, failed, open) = (TypeId.New("toolcall"), TypeId.New("toolcall"), TypeId.New("toolcall"));

        await runtime.PublishAsync(
            ("tool.call.arguments.delta", new JsonObject { ["toolCallId"] = done, ["toolName"] = "search", ["delta"] = "{\"q\":" }),
            ("tool.call.arguments.delta", new JsonObject { ["toolCallId"] = done, ["delta"] = "\"x\"}" }));
        var streaming = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls");
        Assert.Equal("streaming", streaming.GetProperty("toolCalls")[0].GetProperty("status").GetString());
        Assert.Equal("{\"q\":\"x\"}", streaming.GetProperty("toolCalls")[0].GetProperty("argumentsText").GetString());

        await runtime.PublishAsync(
            ("tool.call.requested", new JsonObject
            {
                ["toolCallId"] = done,
                ["toolName"] = "search",
                ["arguments"] = new JsonObject { ["q"] = "x" },
                ["executor"] = "runtime",
                ["requiresApproval"] = false,
                ["idempotencyKey"] = "search-1",
                ["providerRef"] = new JsonObject { ["provider"] = "openai.responses", ["callId"] = "call_abc" },
            }),
            ("tool.call.started", new JsonObject { ["toolCallId"] = done, ["executionAttempt"] = 1 }),
            ("tool.call.progress", new JsonObject { ["toolCallId"] = done, ["progress"] = 1, ["total"] = 2 }));
        var started = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls")).GetProperty("toolCalls")[0];
        Assert.Equal("started", started.GetProperty("status").GetString());
        Assert.Equal(2, started.GetProperty("progress").GetProperty("total").GetInt32());

        await runtime.PublishAsync(
            ("tool.call.completed", new JsonObject { ["toolCallId"] = done, ["output"] = new JsonObject { ["hits"] = 3 }, ["durationMs"] = 42 }),
            ("tool.call.requested", new JsonObject { ["toolCallId"] = failed, ["toolName"] = "fetch", ["arguments"] = new JsonObject(), ["executor"] = "runtime", ["requiresApproval"] = false }),
            ("tool.call.started", new JsonObject { ["toolCallId"] = failed, ["executionAttempt"] = 1 }),
            ("tool.call.failed", new JsonObject { ["toolCallId"] = failed, ["reason"] = "execution_error", ["error"] = new JsonObject { ["code"] = "timeout_x", ["message"] = "slow" }, ["willRetry"] = true }),
            ("tool.call.started", new JsonObject { ["toolCallId"] = failed, ["executionAttempt"] = 2 }),
            ("tool.call.failed", new JsonObject { ["toolCallId"] = failed, ["reason"] = "timeout", ["error"] = new JsonObject { ["code"] = "tool_timeout", ["message"] = "too slow" } }),
            ("tool.call.requested", new JsonObject { ["toolCallId"] = open, ["toolName"] = "ask", ["arguments"] = null, ["argumentsText"] = "{oops", ["executor"] = "client", ["requiresApproval"] = false }),
            ("tool.call.completed", new JsonObject { ["toolCallId"] = done, ["output"] = "a late duplicate does not reopen the record" }));

        var list = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls");
        var calls = list.GetProperty("toolCalls").EnumerateArray().ToList();
        Assert.Equal([done, failed, open], calls.Select(c => c.GetProperty("toolCallId").GetString()));
        Assert.False(list.GetProperty("more").GetBoolean());

        var first = calls[0];
        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal("search", first.GetProperty("toolName").GetString());
        Assert.Equal("x", first.GetProperty("arguments").GetProperty("q").GetString());
        Assert.False(first.TryGetProperty("argumentsText", out _));
        Assert.Equal(3, first.GetProperty("result").GetProperty("hits").GetInt32());
        Assert.Equal(42, first.GetProperty("durationMs").GetInt64());
        Assert.Equal("search-1", first.GetProperty("idempotencyKey").GetString());
        Assert.Equal("call_abc", first.GetProperty("providerRef").GetProperty("callId").GetString());
        Assert.False(first.TryGetProperty("progress", out _));

        var second = calls[1];
        Assert.Equal("failed", second.GetProperty("status").GetString());
        Assert.Equal(2, second.GetProperty("executionAttempt").GetInt32());
        Assert.Equal("timeout", second.GetProperty("failureReason").GetString());
        Assert.Equal("tool_timeout", second.GetProperty("error").GetProperty("code").GetString());
        Assert.True(second.GetProperty("durationMs").GetInt64() >= 0);

        var third = calls[2];
        Assert.Equal("requested", third.GetProperty("status").GetString());
        Assert.Equal("{oops", third.GetProperty("argumentsText").GetString());
        Assert.Equal("client", third.GetProperty("executor").GetString());

        // Paged by log position: two, then the rest after the second's position.
        var page = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls?limit=2");
        Assert.Equal(2, page.GetProperty("toolCalls").GetArrayLength());
        Assert.True(page.GetProperty("more").GetBoolean());
        var rest = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls?limit=2&after={page.GetProperty("after").GetInt64()}");
        Assert.Equal([open], rest.GetProperty("toolCalls").EnumerateArray().Select(c => c.GetProperty("toolCallId").GetString()));
        Assert.False(rest.GetProperty("more").GetBoolean());
        var lastFull = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls?limit=1&after={page.GetProperty("after").GetInt64()}");
        Assert.False(lastFull.GetProperty("more").GetBoolean());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task OpenToolCalls_FailAsCancelled_WhenTheRunEnds_AndTheLogSaysSo()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var (requested, running, done) = (TypeId.New("toolcall"), TypeId.New("toolcall"), TypeId.New("toolcall"));
        await runtime.PublishAsync(
            ("tool.call.requested", new JsonObject { ["toolCallId"] = requested, ["toolName"] = "search", ["arguments"] = new JsonObject(), ["executor"] = "runtime", ["requiresApproval"] = false }),
            ("tool.call.requested", new JsonObject { ["toolCallId"] = running, ["toolName"] = "fetch", ["arguments"] = new JsonObject(), ["executor"] = "runtime", ["requiresApproval"] = false }),
            ("tool.call.started", new JsonObject { ["toolCallId"] = running, ["executionAttempt"] = 1 }),
            ("tool.call.requested", new JsonObject { ["toolCallId"] = done, ["toolName"] = "sum", ["arguments"] = new JsonObject(), ["executor"] = "runtime", ["requiresApproval"] = false }),
            ("tool.call.completed", new JsonObject { ["toolCallId"] = done, ["output"] = 3 }));

        await runtime.PublishAsync(("run.finished", new JsonObject { ["status"] = "cancelled" }));

        var calls = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls")).GetProperty("toolCalls").EnumerateArray().ToList();
        Assert.Equal(["failed", "failed", "completed"], calls.Select(c => c.GetProperty("status").GetString()));
        Assert.All(calls.Take(2), c => Assert.Equal("cancelled", c.GetProperty("failureReason").GetString()));
        var events = await runtime.EventsAsync();
        var failed = events.Where(e => e.GetProperty("type").GetString() == "tool.call.failed").ToList();
        Assert.Equal([requested, running], failed.Select(e => e.GetProperty("data").GetProperty("toolCallId").GetString()));
        Assert.All(failed, e => Assert.Equal($"/runs/{runtime.RunId}/service", e.GetProperty("source").GetString()));
        Assert.Equal("run.finished", events[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task ToolCalls_BadPagingOrIds_AreJsonErrors_AndABadToolCallIdIsRefusedOnTheWire()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        await Api.AssertInvalidAsync(await fixture.Http.GetAsync($"v1/runs/{runtime.RunId}/tool-calls?limit=0"), "limit");
        await Api.AssertInvalidAsync(await fixture.Http.GetAsync($"v1/runs/{runtime.RunId}/tool-calls?limit=1001"), "limit");
        await Api.AssertInvalidAsync(await fixture.Http.GetAsync($"v1/runs/{runtime.RunId}/tool-calls?after=-1"), "after");
        await Api.GetJsonAsync(fixture.Http, "v1/runs/not-a-run/tool-calls", HttpStatusCode.NotFound);
        await Api.GetJsonAsync(fixture.Http, $"v1/runs/{TypeId.New("run")}/tool-calls", HttpStatusCode.NotFound);

        var error = await runtime.PublishRefusedAsync("tool.call.started", new JsonObject { ["toolCallId"] = "toolcall_nope", ["executionAttempt"] = 1 });
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Empty((await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/tool-calls")).GetProperty("toolCalls").EnumerateArray());
    }
}
