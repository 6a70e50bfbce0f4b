using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>Server-Sent Events of a run's log: live, resumable with Last-Event-ID without gap or duplicate, also
/// after a restart, and ended once the run is finished.</summary>
public sealed class RunStreamTests
{
    private const string Workers = "agents/workers/ap/v1/agent";

    private static async Task<List<(long Id, string Type, JsonElement Data)>> ReadAsync(HttpClient http, string path, string? lastEventId, int count)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(long, string, JsonElement)>();
        long id = 0;
        string? type = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (events.Count < count && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var document = JsonDocument.Parse(line[6..]);
                events.Add((id, type!, document.RootElement.Clone()));
            }
        }

        return events;
    }

    [Fact]
    public async Task Stream_DeliversLiveEvents_ResumesAfterLastEventId_AcrossARestart_AndEndsWithTheRun()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("stream me", Workers);
        var claim = await fixture.ClaimAsync("streamer");
        await using var runtime = await RawRuntime.ConnectAsync(claim!.ServiceUrl, claim.Token);
        var attach = await runtime.AttachAsync(claim.RunId, claim.AttemptId);
        var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;

        // A live reader waits for events that are published after it connected.
        var live = ReadAsync(fixture.Http, $"{Workers}/tasks/{taskId}/events", null, 3);
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("run.started", claim, 1, new JsonObject { ["attemptNumber"] = 1 }),
            RuntimeFixture.Event("log.emitted", claim, 2, new JsonObject { ["level"] = "info", ["message"] = "one" })));
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("log.emitted", claim, 3, new JsonObject { ["level"] = "info", ["message"] = "two" })));
        var first = await live;
        Assert.Equal([1L, 2L, 3L], first.Select(e => e.Id));
        Assert.Equal(["run.started", "log.emitted", "log.emitted"], first.Select(e => e.Type));
        Assert.Equal(3, first[2].Data.GetProperty("position").GetInt64());

        // A reader that resumes after event 2, once the service restarted, gets 3 and what came since — then the end.
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("run.finished", claim, 4, new JsonObject { ["status"] = "completed" })));
        await fixture.Host.RestartAsync();
        using var after = fixture.Host.CreateClient();
        var resumed = await ReadAsync(after, $"v1/runs/{taskId}/stream", "2", 10);
        Assert.Equal([3L, 4L], resumed.Select(e => e.Id));
        Assert.Equal("run.finished", resumed[1].Type);
        var byQuery = await ReadAsync(after, $"v1/runs/{taskId}/stream?after=3", null, 10);
        Assert.Equal([4L], byQuery.Select(e => e.Id));
    }

    [Fact]
    public async Task Deltas_GoOutLive_AndAreCompactedOnceTheirCompletingEventIsStored()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskId, _) = await fixture.CreateTaskWithStepAsync("stream me", Workers);
        var claim = await fixture.ClaimAsync("delta-streamer");
        await using var runtime = await RawRuntime.ConnectAsync(claim!.ServiceUrl, claim.Token);
        var attach = await runtime.AttachAsync(claim.RunId, claim.AttemptId);
        var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
        const string MessageId = "msg_01kjmma99tfjyvs9mw4j3kk438";
        const string OtherId = "msg_01kjmma99tfjyvs9mw4j3kk439";
        static JsonObject Delta(LaunchedRuntime claim, long seq, string messageId, string text)
        {
            var e = RuntimeFixture.Event("message.delta", claim, seq, new JsonObject { ["messageId"] = messageId, ["delta"] = text });
            e["ephemeral"] = true;
            return e;
        }

        // A live reader sees the deltas as they come.
        var live = ReadAsync(fixture.Http, $"v1/runs/{taskId}/stream", null, 4);
        var deltas = RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("message.started", claim, 1, new JsonObject { ["messageId"] = MessageId, ["role"] = "assistant" }),
            Delta(claim, 2, MessageId, "Hel"),
            Delta(claim, 3, MessageId, "lo"),
            Delta(claim, 4, OtherId, "still open"));
        await runtime.RequestAsync("runtime.task.output.event", deltas);
        Assert.Equal(["message.started", "message.delta", "message.delta", "message.delta"], (await live).Select(e => e.Type));

        // Once message.completed is stored, its deltas are gone from the log; another message's delta stays.
        await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claim,
            RuntimeFixture.Event("message.completed", claim, 5, new JsonObject
            {
                ["messageId"] = MessageId,
                ["role"] = "assistant",
                ["status"] = "completed",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Hello" }),
            })));
        var log = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events");
        var stored = log.GetProperty("events").EnumerateArray().Select(e => (e.GetProperty("position").GetInt64(), e.GetProperty("type").GetString())).ToList();
        Assert.Equal([(1L, "message.started"), (4L, "message.delta"), (5L, "message.completed")], stored);
        var replay = await ReadAsync(fixture.Http, $"v1/runs/{taskId}/stream", null, 3);
        Assert.Equal([1L, 4L, 5L], replay.Select(e => e.Id));

        // The runtime resending the batch (its reply lost) is accepted and ignored, compacted deltas included.
        var resent = await runtime.RequestAsync("runtime.task.output.event", JsonNode.Parse(deltas.ToJsonString())!);
        Assert.True(resent.GetProperty("result").GetProperty("accepted").GetBoolean());
        Assert.Equal(3, (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events")).GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Stream_OfAnUnknownRunOrABadPosition_IsAJsonError()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await Api.GetJsonAsync(fixture.Http, "v1/runs/run_01jq3v8d6ef5tr9w2k7m4n8p0x/stream", System.Net.HttpStatusCode.NotFound);
        var taskId = await Api.CreateTaskAsync(fixture.Http, "x", Workers);
        using var response = await fixture.Http.GetAsync($"v1/runs/{taskId}/stream?after=minus-one");
        await Api.AssertInvalidAsync(response, "after");

        // A paging parameter given twice is named as such, not as out of range.
        foreach (var query in new[] { "after=1&after=2", "limit=1&limit=2" })
        {
            using var twice = await fixture.Http.GetAsync($"v1/runs/{taskId}/events?{query}");
            await Api.AssertInvalidAsync(twice, query[..query.IndexOf('=', StringComparison.Ordinal)]);
            Assert.Contains("must be given once", await twice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
