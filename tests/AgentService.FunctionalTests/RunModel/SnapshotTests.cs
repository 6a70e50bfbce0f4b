using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.RunModel;

/// <summary>The run snapshot: the projection read consistently with the log watermark it reflects, so a reader can
/// take a snapshot and tail the stream after the watermark with no gap and no duplicate.</summary>
public sealed class SnapshotTests
{
    private static JsonObject Message(string text) => new()
    {
        ["messageId"] = TypeId.New("msg"),
        ["role"] = "assistant",
        ["status"] = "completed",
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
    };

    private static JsonObject Todo(string listId, int revision) => new()
    {
        ["listId"] = listId,
        ["revision"] = revision,
        ["title"] = "plan",
        ["items"] = new JsonArray(new JsonObject { ["itemId"] = "a", ["title"] = $"item at {revision}", ["status"] = revision > 1 ? "completed" : "pending" }),
    };

    private static JsonObject ToolCall() => new()
    {
        ["toolCallId"] = TypeId.New("toolcall"),
        ["toolName"] = "t",
        ["arguments"] = new JsonObject(),
        ["executor"] = "runtime",
        ["requiresApproval"] = false,
    };

    [Fact]
    public async Task Snapshot_ShowsAMessageStillStreaming_UntilItsCompletionReplacesIt()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var messageId = TypeId.New("msg");
        JsonObject Delta(string text, int block = 0) => new() { ["messageId"] = messageId, ["delta"] = text, ["contentIndex"] = block };
        await runtime.PublishAsync(
            ("message.started", new JsonObject { ["messageId"] = messageId, ["role"] = "assistant" }),
            ("message.delta", Delta("Hello ")), ("message.delta", Delta("P.S.", 1)), ("message.delta", Delta("world. ")));

        // A reader that takes the snapshot and tails the stream after it has the text so far: nothing before the
        // watermark is lost to it.
        var snapshot = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/snapshot");
        var streaming = Assert.Single(snapshot.GetProperty("streamingMessages").EnumerateArray());
        Assert.Equal(messageId, streaming.GetProperty("messageId").GetString());
        Assert.Equal("Hello world. P.S.", streaming.GetProperty("text").GetString());
        Assert.Equal(snapshot.GetProperty("watermark").GetInt64(), streaming.GetProperty("position").GetInt64());
        Assert.Empty(snapshot.GetProperty("messages").EnumerateArray());

        var completed = Message("Hello world. P.S.");
        completed["messageId"] = messageId;
        await runtime.PublishAsync(("message.completed", completed));
        snapshot = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/snapshot");
        Assert.Empty(snapshot.GetProperty("streamingMessages").EnumerateArray());
        Assert.Equal(messageId, Assert.Single(snapshot.GetProperty("messages").EnumerateArray()).GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Snapshot_IsConsistentWithItsWatermark_WhileEventsArrive_AndTheStreamAfterItHasNoGap()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var list = TypeId.New("todo");
        await runtime.PublishAsync(("message.completed", Message("hello")), ("todo.updated", Todo(list, 1)));

        const int batches = 25;
        var publishing = Task.Run(async () =>
        {
            for (var i = 2; i < batches + 2; i++)
            {
                await runtime.PublishAsync(("tool.call.requested", ToolCall()), ("message.completed", Message($"m{i}")), ("todo.updated", Todo(list, i)));
            }
        });
        var snapshots = new List<JsonElement>();
        while (!publishing.IsCompleted || snapshots.Count == 0)
        {
            snapshots.Add(await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/snapshot"));
        }

        await publishing;
        var events = await runtime.EventsAsync();
        foreach (var snapshot in snapshots)
        {
            var watermark = snapshot.GetProperty("watermark").GetInt64();
            var upTo = events.Where(e => e.GetProperty("position").GetInt64() <= watermark).ToList();
            Assert.Equal(upTo.Count(e => e.GetProperty("type").GetString() == "tool.call.requested"), snapshot.GetProperty("toolCalls").GetArrayLength());
            Assert.Equal(upTo.Count(e => e.GetProperty("type").GetString() == "message.completed"), snapshot.GetProperty("messages").GetArrayLength());
            Assert.Equal(upTo.Where(e => e.GetProperty("type").GetString() == "todo.updated").Max(e => e.GetProperty("data").GetProperty("revision").GetInt32()),
                snapshot.GetProperty("todo")[0].GetProperty("revision").GetInt32());
        }

        // Snapshot, then tail after the watermark: exactly the events that came after, from watermark + 1, in order.
        var first = snapshots[0];
        var mark = first.GetProperty("watermark").GetInt64();
        var total = events[^1].GetProperty("position").GetInt64();
        var tail = await ReadStreamAsync(fixture.Http, $"v1/runs/{runtime.RunId}/stream?after={mark}", (int)(total - mark));
        Assert.Equal(Enumerable.Range((int)mark + 1, (int)(total - mark)).Select(i => (long)i), tail);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task Snapshot_HoldsStatusStepsMessagesToolCallsInteractionsTodoArtifactsAndChildren()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var list = TypeId.New("todo");
        var ixn = TypeId.New("ixn");
        await runtime.PublishAsync(
            ("message.completed", Message("hi there")),
            ("todo.updated", Todo(list, 2)),
            ("todo.updated", Todo(list, 1)),
            ("tool.call.requested", ToolCall()),
            ("interaction.requested", new JsonObject { ["interactionId"] = ixn, ["kind"] = "confirmation", ["prompt"] = "ok?" }));

        var snapshot = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/snapshot");
        Assert.Equal(runtime.RunId, snapshot.GetProperty("runId").GetString());
        Assert.Equal("waiting", snapshot.GetProperty("status").GetString());
        Assert.Equal("interaction", snapshot.GetProperty("waitingFor")[0].GetProperty("kind").GetString());
        var step = Assert.Single(snapshot.GetProperty("steps").EnumerateArray());
        Assert.Equal("go", step.GetProperty("input").GetString());
        Assert.Equal("hi there", snapshot.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Single(snapshot.GetProperty("toolCalls").EnumerateArray());
        Assert.Equal(ixn, snapshot.GetProperty("interactions")[0].GetProperty("interactionId").GetString());
        var todo = Assert.Single(snapshot.GetProperty("todo").EnumerateArray());
        Assert.Equal(2, todo.GetProperty("revision").GetInt32()); // An older revision arriving later is ignored.
        Assert.Equal("completed", todo.GetProperty("items")[0].GetProperty("status").GetString());
        Assert.Empty(snapshot.GetProperty("artifacts").EnumerateArray());
        Assert.Empty(snapshot.GetProperty("children").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, snapshot.GetProperty("checkpoint").ValueKind);
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}");
        Assert.Equal(run.GetProperty("eventCount").GetInt64(), snapshot.GetProperty("watermark").GetInt64());

        await Api.GetJsonAsync(fixture.Http, "v1/runs/nope/snapshot", HttpStatusCode.NotFound);
        await Api.GetJsonAsync(fixture.Http, $"v1/runs/{TypeId.New("run")}/snapshot", HttpStatusCode.NotFound);
    }

    private static async Task<List<long>> ReadStreamAsync(HttpClient http, string path, int count)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ids = new List<long>();
        while (ids.Count < count && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                ids.Add(long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return ids;
    }
}
