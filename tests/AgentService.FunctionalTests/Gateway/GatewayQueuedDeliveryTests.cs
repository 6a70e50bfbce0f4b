using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Gateway;

public sealed class GatewayQueuedDeliveryTests : IAsyncLifetime
{
    /// <summary>Quick retries and a short webhook timeout, so failures are retried many times within a test.</summary>
    private static readonly string[] FastRetries =
    [
        "--AgentService:Gateway:WebhookTimeout=00:00:00.500",
        "--AgentService:Gateway:RetryInitialDelay=00:00:00.050",
        "--AgentService:Gateway:RetryMaxDelay=00:00:00.200",
    ];

    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartNewAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Queued_ThroughRefusedConnections500sAndTimeouts_DeliversEveryMessageOnce()
    {
        await using var host = await ServiceHost.StartAsync(null, FastRetries);
        using var http = host.CreateClient();
        await GatewayCalls.RegisterAsync(http, "r", _receiver.Url);
        await _receiver.StopAsync();

        // Accepted at once although the receiver is down.
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var queued = await GatewayCalls.SendAsync(http, GatewayCalls.Text("s", "r", $"message {i}", "conv-q", "queued"), HttpStatusCode.Accepted);
            Assert.Equal("queued", queued.GetProperty("status").GetString());
            ids.Add(queued.GetProperty("message_id").GetString()!);
        }

        foreach (var id in ids)
        {
            await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, id), m => m.GetProperty("attempts").GetInt32() >= 1, what: "a refused attempt");
            var message = await GatewayCalls.MessageAsync(http, id);
            Assert.Equal("queued", message.GetProperty("status").GetString());
            Assert.Contains("cannot connect", message.GetProperty("last_error").GetString());
        }

        // Back, but each message's first delivery gets a 500 and its second hangs past the webhook timeout (the
        // receiver processed it, the answer is lost): the gateway retries, the receiver sees the same id again.
        var arrivals = new ConcurrentDictionary<string, int>();
        _receiver.Respond = (push, _) => arrivals.AddOrUpdate(push.IdempotencyKey!, 1, (_, n) => n + 1) switch
        {
            1 => 500,
            2 => WebhookReceiver.Hang,
            _ => 200,
        };
        await _receiver.StartAsync();

        foreach (var id in ids)
        {
            var sent = await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, id), m => m.GetProperty("status").GetString() == "sent",
                TimeSpan.FromSeconds(60), "every queued message to be sent");
            Assert.True(sent.GetProperty("attempts").GetInt32() >= 4, sent.ToString());
        }

        Assert.Equal(ids.Order(), _receiver.Processed.Keys.Order());
        Assert.True(_receiver.Duplicates >= 2 * ids.Count, $"{_receiver.Duplicates} repeats");
        foreach (var group in _receiver.Requests.GroupBy(r => r.IdempotencyKey!))
        {
            // Every retry of a message carries the same id and the same body.
            Assert.Single(group.Select(r => r.BodyText).Distinct());
            using var body = JsonDocument.Parse(group.First().Body);
            Assert.Equal(group.Key, body.RootElement.GetProperty("message_id").GetString());
        }

        var conversation = await Api.GetJsonAsync(http, "gateway/conversations/conv-q/messages?page_size=100");
        Assert.Equal(ids, conversation.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("message_id").GetString()));
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task Queued_ToAnOfflineAgent_IsDeliveredWhenItComesBack()
    {
        await using var host = await ServiceHost.StartAsync(null, FastRetries);
        using var http = host.CreateClient();
        await GatewayCalls.RegisterAsync(http, "r", _receiver.Url);
        await Api.PostJsonAsync(http, "gateway/unregister", """{"agent_id":"r"}""");

        var queued = await GatewayCalls.SendAsync(http, GatewayCalls.Text("s", "r", "while you were away", delivery: "queued"), HttpStatusCode.Accepted);
        var id = queued.GetProperty("message_id").GetString()!;
        var waiting = await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, id), m => m.GetProperty("last_error").ValueKind == JsonValueKind.String,
            what: "the message to wait for its agent");
        Assert.Equal("queued", waiting.GetProperty("status").GetString());
        Assert.Contains("offline", waiting.GetProperty("last_error").GetString());
        Assert.Equal(0, waiting.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, waiting.GetProperty("next_attempt_at").ValueKind);
        Assert.Empty(_receiver.Requests);

        await Api.PostJsonAsync(http, "gateway/heartbeat", """{"agent_id":"r"}""");

        await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, id), m => m.GetProperty("status").GetString() == "sent", what: "delivery after the heartbeat");
        Assert.Equal(id, Assert.Single(_receiver.Requests).IdempotencyKey);
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task Queued_NotDeliveredBeforeItExpires_FailsWithTheReason()
    {
        await using var host = await ServiceHost.StartAsync(null, [.. FastRetries, "--AgentService:Gateway:MessageExpiry=00:00:01"]);
        using var http = host.CreateClient();
        await GatewayCalls.RegisterAsync(http, "r", _receiver.Url);
        await GatewayCalls.RegisterAsync(http, "away", _receiver.Url);
        await Api.PostJsonAsync(http, "gateway/unregister", """{"agent_id":"away"}""");
        _receiver.Respond = (_, _) => 503;

        var failing = (await GatewayCalls.SendAsync(http, GatewayCalls.Text("s", "r", "x", delivery: "queued"), HttpStatusCode.Accepted)).GetProperty("message_id").GetString()!;
        var waiting = (await GatewayCalls.SendAsync(http, GatewayCalls.Text("s", "away", "x", delivery: "queued"), HttpStatusCode.Accepted)).GetProperty("message_id").GetString()!;

        var failed = await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, failing), m => m.GetProperty("status").GetString() == "failed", what: "expiry");
        Assert.Contains("expired after", failed.GetProperty("last_error").GetString());
        Assert.Contains("HTTP 503", failed.GetProperty("last_error").GetString());
        Assert.True(failed.GetProperty("attempts").GetInt32() >= 2);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("next_attempt_at").ValueKind);
        var expired = await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, waiting), m => m.GetProperty("status").GetString() == "failed", what: "expiry while offline");
        Assert.Contains("expired after 0 attempt(s)", expired.GetProperty("last_error").GetString());
        Assert.Contains("offline", expired.GetProperty("last_error").GetString());
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task Restart_WithQueuedMessagesPending_DeliversThemAfterwards()
    {
        await using var host = await ServiceHost.StartAsync(null, FastRetries);
        var ids = new List<string>();
        using (var http = host.CreateClient())
        {
            await GatewayCalls.RegisterAsync(http, "r", _receiver.Url);
            await _receiver.StopAsync();
            for (var i = 0; i < 5; i++)
            {
                ids.Add((await GatewayCalls.SendAsync(http, GatewayCalls.Text("s", "r", $"pending {i}", delivery: "queued"), HttpStatusCode.Accepted))
                    .GetProperty("message_id").GetString()!);
            }

            foreach (var id in ids)
            {
                await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, id), m => m.GetProperty("attempts").GetInt32() >= 1, what: "a failed attempt");
            }
        }

        await host.StopAsync();
        await _receiver.StartAsync();
        await host.RestartAsync();

        using var after = host.CreateClient();
        foreach (var id in ids)
        {
            await Wait.UntilAsync(() => GatewayCalls.MessageAsync(after, id), m => m.GetProperty("status").GetString() == "sent", what: "delivery after the restart");
        }

        Assert.Equal(ids.Order(), _receiver.Processed.Keys.Order());
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task Crash_BetweenAcceptingAndPushing_LosesNothing()
    {
        await using var host = await ServiceHost.StartAsync(null, FastRetries);
        using (var http = host.CreateClient())
        {
            await GatewayCalls.RegisterAsync(http, "r", _receiver.Url);
        }

        await host.StopAsync();

        // What a process that died mid-push leaves behind: messages accepted (one direct send in flight, its outbox entry
        // leased far into the future; one queued, not yet taken) and never recorded as pushed.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await InsertAcceptedAsync(host.DataDir, "msg_01jq3v8d6ef5tr9w2k7m4n8p0x", "direct", leased: true, dueAt: now + 3_600_000);
        await InsertAcceptedAsync(host.DataDir, "msg_01jq3v8d6ef5tr9w2k7m4n8p0y", "queued", leased: false, dueAt: now);

        await host.RestartAsync();

        using var after = host.CreateClient();
        foreach (var id in new[] { "msg_01jq3v8d6ef5tr9w2k7m4n8p0x", "msg_01jq3v8d6ef5tr9w2k7m4n8p0y" })
        {
            await Wait.UntilAsync(() => GatewayCalls.MessageAsync(after, id), m => m.GetProperty("status").GetString() == "sent", what: "delivery of what the crash left");
            using var body = JsonDocument.Parse(_receiver.Processed[id].Body);
            Assert.Equal("survived", body.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        }

        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task Lease_ThatRanOutWithoutAnOutcome_IsPushedAgainWhileRunning()
    {
        await using var host = await ServiceHost.StartAsync(null, FastRetries);
        using var http = host.CreateClient();
        await GatewayCalls.RegisterAsync(http, "r", _receiver.Url);

        // A pusher in this process took the entry and never recorded an outcome; its lease has ended.
        await InsertAcceptedAsync(host.DataDir, "msg_01jq3v8d6ef5tr9w2k7m4n8p0z", "queued", leased: true,
            dueAt: DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds());

        await Wait.UntilAsync(() => GatewayCalls.MessageAsync(http, "msg_01jq3v8d6ef5tr9w2k7m4n8p0z"), m => m.GetProperty("status").GetString() == "sent",
            what: "the entry with the expired lease to be pushed");
        Assert.True(_receiver.Processed.ContainsKey("msg_01jq3v8d6ef5tr9w2k7m4n8p0z"));
        Assert.Empty(host.Errors);
    }

    /// <summary>Writes an accepted, never pushed message and its outbox entry straight into the store (SQLite or
    /// PostgreSQL). On PostgreSQL a leased entry is held by the node of <paramref name="dataDir"/> (its node-id file).</summary>
    private static async Task InsertAcceptedAsync(string dataDir, string messageId, string delivery, bool leased, long dueAt)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var outbox = ServiceHost.UsesPostgres
            ? "INSERT INTO gateway_outbox (message_id, to_agent_id, due_at, leased, lease_owner) VALUES (@id, 'r', @due, @leased, CASE WHEN @leased THEN @owner END);"
            : "INSERT INTO gateway_outbox (message_id, to_agent_id, due_at, leased) VALUES (@id, 'r', @due, @leased);";
        var conversation = ServiceHost.UsesPostgres
            ? """
              INSERT INTO gateway_conversations (conversation_id, message_count) VALUES ('conv-crash', 1)
              ON CONFLICT (conversation_id) DO UPDATE SET message_count = gateway_conversations.message_count + 1;
              """
            : "";
        await TestStorage.ExecuteAsync(dataDir, conversation + """
            INSERT INTO gateway_messages (message_id, conversation_id, conv_seq, from_agent_id, to_agent_id, content, metadata,
                                          delivery, status, created_at, expires_at)
            VALUES (@id, 'conv-crash', (SELECT COALESCE(MAX(conv_seq), 0) + 1 FROM gateway_messages WHERE conversation_id = 'conv-crash'),
                    's', 'r', '[{"type":"text","text":"survived"}]', '{}', @delivery, 'queued', @now, @expires);
            """ + outbox, new Dictionary<string, object?>
        {
            ["id"] = messageId,
            ["delivery"] = delivery,
            ["now"] = now,
            ["expires"] = now + 3_600_000,
            ["due"] = dueAt,
            ["leased"] = leased,
            ["owner"] = ServiceHost.UsesPostgres ? (await File.ReadAllTextAsync(Path.Combine(dataDir, "node-id"))).Trim() : null,
        });
    }
}
