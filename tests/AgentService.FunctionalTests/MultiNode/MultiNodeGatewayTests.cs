using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AgentService.Client;
using AgentService.FunctionalTests.Gateway;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.MultiNode;

/// <summary>
/// The gateway on several server nodes sharing one PostgreSQL database: the registry, sends, heartbeats and the outbox
/// work from any node, each queued message is pushed by one node, and what a dead node held is delivered by another
/// once its lease ends. Skipped (with the reason) without <c>AGENTSERVICE_TEST_POSTGRES</c>.
/// </summary>
[Trait("Storage", "PostgresOnly")]
public sealed class MultiNodeGatewayTests : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartNewAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [PostgresFact]
    public async Task Registry_RegisteredOnOneNode_HeartbeatsOnAnotherAndIsListedOnAThird()
    {
        await using var cluster = await NodeCluster.StartAsync(3);
        using var a = cluster.Hosts[0].CreateClient();
        using var b = cluster.Hosts[1].CreateClient();
        using var c = cluster.Hosts[2].CreateClient();

        await GatewayCalls.RegisterAsync(a, "r", _receiver.Url, type: "analyst");
        await Api.PostJsonAsync(b, "gateway/heartbeat", """{"agent_id":"r"}""");
        await GatewayCalls.PostErrorAsync(b, "gateway/heartbeat", """{"agent_id":"nobody"}""", HttpStatusCode.NotFound, "not registered");

        var listed = await Api.GetJsonAsync(c, "gateway/agents?agent_type=analyst");
        var agent = Assert.Single(listed.GetProperty("agents").EnumerateArray());
        Assert.Equal("r", agent.GetProperty("agent_id").GetString());
        Assert.Equal("online", agent.GetProperty("status").GetString());
        Assert.Equal(["search", "analyze"], agent.GetProperty("capabilities").EnumerateArray().Select(x => x.GetString()));

        // Unregistered on C: offline everywhere; a heartbeat on A brings it back everywhere.
        await Api.PostJsonAsync(c, "gateway/unregister", """{"agent_id":"r"}""");
        Assert.Equal("offline", (await Api.GetJsonAsync(a, "gateway/status/r")).GetProperty("status").GetString());
        Assert.DoesNotContain("r", (await Api.GetJsonAsync(b, "gateway/agents?online_only=true")).GetProperty("agents").EnumerateArray()
            .Select(x => x.GetProperty("agent_id").GetString()));
        await Api.PostJsonAsync(a, "gateway/heartbeat", """{"agent_id":"r"}""");
        Assert.Equal("online", (await Api.GetJsonAsync(c, "gateway/status/r")).GetProperty("status").GetString());

        // One registry: every node counts the same agents ('r' and the hosted 'echo' that every node seeds once).
        foreach (var http in new[] { a, b, c })
        {
            Assert.Equal(2, (await Api.GetJsonAsync(http, "gateway/health")).GetProperty("registered_agents").GetInt32());
        }

        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task Send_FromOneNode_ToAnAgentRegisteredOnAnother_IsPushedOnceAndSignedWithItsSecret()
    {
        await using var cluster = await NodeCluster.StartAsync(3);
        using var a = cluster.Hosts[0].CreateClient();
        using var b = cluster.Hosts[1].CreateClient();
        using var c = cluster.Hosts[2].CreateClient();
        var secret = await GatewayCalls.RegisterAsync(a, "r", _receiver.Url);

        // Direct on B: pushed within the request, signed with the secret A handed out (one key across the nodes).
        var direct = await GatewayCalls.SendAsync(b, GatewayCalls.Text("s", "r", "direct from B", "conv-x"));
        Assert.Equal("sent", direct.GetProperty("status").GetString());
        var push = Assert.Single(_receiver.Requests);
        Assert.Equal(direct.GetProperty("message_id").GetString(), push.IdempotencyKey);
        Assert.True(WebhookSignature.Verify(secret, push.Timestamp, push.Body, push.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));

        // Queued sends from all three nodes at once into the same conversation: unique, gap-free positions, each pushed once.
        var ids = new ConcurrentBag<string>();
        await Task.WhenAll(new[] { a, b, c }.Select(async (http, node) =>
        {
            for (var i = 0; i < 10; i++)
            {
                var queued = await GatewayCalls.SendAsync(http, GatewayCalls.Text("s", "r", $"queued {node}.{i}", "conv-x", delivery: "queued"), HttpStatusCode.Accepted);
                ids.Add(queued.GetProperty("message_id").GetString()!);
            }
        }));

        foreach (var id in ids)
        {
            await Wait.UntilAsync(() => GatewayCalls.MessageAsync(c, id), m => m.GetProperty("status").GetString() == "sent", what: $"delivery of {id}");
        }

        Assert.Equal(31, _receiver.Requests.Count);
        Assert.Equal(0, _receiver.Duplicates);
        var conversation = await Api.GetJsonAsync(a, "gateway/conversations/conv-x/messages?page_size=100");
        Assert.Equal(31, conversation.GetProperty("pagination").GetProperty("total_items").GetInt32());
        var listed = conversation.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("message_id").GetString()!).ToList();
        Assert.Equal(direct.GetProperty("message_id").GetString(), listed[0]);
        Assert.Equal(ids.Order(), listed.Skip(1).Order());
        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task Queued_ToAnOfflineAgent_IsPushedByExactlyOneNode_WhenItComesBack()
    {
        // Two pushes at a time per node and a slow receiver: the node woken by the heartbeat cannot take everything,
        // so the other nodes' dispatchers claim entries from the same outbox at the same time.
        await using var cluster = await NodeCluster.StartAsync(3,
            "--AgentService:Gateway:MaxConcurrentDeliveries=2", "--AgentService:Gateway:OfflineRecheckInterval=00:10:00");
        using var a = cluster.Hosts[0].CreateClient();
        using var b = cluster.Hosts[1].CreateClient();
        using var c = cluster.Hosts[2].CreateClient();
        await GatewayCalls.RegisterAsync(a, "r", _receiver.Url);
        await Api.PostJsonAsync(a, "gateway/unregister", """{"agent_id":"r"}""");
        _receiver.Delay = TimeSpan.FromSeconds(1);

        var nodes = new[] { a, b, c };
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add((await GatewayCalls.SendAsync(nodes[i % 3], GatewayCalls.Text("s", "r", $"while away {i}", delivery: "queued"), HttpStatusCode.Accepted))
                .GetProperty("message_id").GetString()!);
        }

        foreach (var id in ids)
        {
            await Wait.UntilAsync(() => GatewayCalls.MessageAsync(b, id), m => m.GetProperty("last_error").ValueKind == JsonValueKind.String,
                what: $"{id} to wait for its agent");
        }

        Assert.Empty(_receiver.Requests);

        await Api.PostJsonAsync(b, "gateway/heartbeat", """{"agent_id":"r"}""");
        var owners = new HashSet<string>(StringComparer.Ordinal);
        await Wait.UntilAsync(async () =>
        {
            owners.UnionWith(await cluster.LeaseOwnersAsync());
            return Convert.ToInt64(await cluster.ScalarAsync("SELECT COUNT(*) FROM gateway_messages WHERE status = 'sent'"), System.Globalization.CultureInfo.InvariantCulture);
        }, sent => sent == ids.Count, TimeSpan.FromSeconds(60), "every message to be sent");

        Assert.Equal(ids.Count, _receiver.Requests.Count);
        Assert.Equal(0, _receiver.Duplicates);
        Assert.Equal(ids.Order(), _receiver.Processed.Keys.Order());
        var nodeIds = cluster.Hosts.Select(h => File.ReadAllText(Path.Combine(h.DataDir, "node-id")).Trim()).ToList();
        Assert.Subset(nodeIds.ToHashSet(), owners);
        Assert.True(owners.Count >= 2, $"the outbox was pushed by {owners.Count} node(s); several dispatchers should have taken part");
        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task Queued_OnABusyNode_IsPushedByAnIdleNodeWokenThroughNotify()
    {
        // One push at a time per node, and dispatchers that never poll on their own within the test: only a
        // notification from the accepting node can get another node to take the message.
        await using var hanging = await WebhookReceiver.StartNewAsync();
        hanging.Respond = (_, _) => WebhookReceiver.Hang;
        await using var cluster = await NodeCluster.StartAsync(1,
            "--AgentService:Gateway:MaxConcurrentDeliveries=1", "--AgentService:Gateway:WebhookTimeout=00:01:00",
            "--AgentService:Gateway:OutboxPollInterval=00:10:00");
        using var a = cluster.Hosts[0].CreateClient();
        await GatewayCalls.RegisterAsync(a, "slow", hanging.Url);
        await GatewayCalls.RegisterAsync(a, "r", _receiver.Url);
        await GatewayCalls.SendAsync(a, GatewayCalls.Text("s", "slow", "keeps node A busy", delivery: "queued"), HttpStatusCode.Accepted);
        await Wait.UntilAsync(() => Task.FromResult(hanging.Requests.Count), n => n == 1, what: "node A to be busy pushing to 'slow'");

        // Node B starts (its dispatcher looks at the outbox once) and goes idle after a first message; the next ones
        // can only reach it through a notification.
        using var b = (await cluster.AddHostAsync()).CreateClient();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = (await GatewayCalls.SendAsync(a, GatewayCalls.Text("s", "r", $"take me {i}", delivery: "queued"), HttpStatusCode.Accepted))
                .GetProperty("message_id").GetString()!;
            await Wait.UntilAsync(() => GatewayCalls.MessageAsync(b, id), m => m.GetProperty("status").GetString() == "sent", what: $"node B to push message {i}");
            ids.Add(id);
        }

        Assert.Equal(ids, _receiver.Requests.Select(r => r.IdempotencyKey));
        // Node A is still busy with its one push (its lease is the only one left), so B pushed it.
        Assert.Single(hanging.Requests);
        var nodeA = File.ReadAllText(Path.Combine(cluster.Hosts[0].DataDir, "node-id")).Trim();
        Assert.Equal([nodeA], await cluster.LeaseOwnersAsync());
        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task Sweepers_OnEveryNode_KeepAnAgentThatHeartbeatsElsewhere_AndMarkItOfflineWhenItStops()
    {
        // Every node sweeps every 50 ms; the agent heartbeats only on B, well within the timeout.
        await using var cluster = await NodeCluster.StartAsync(3,
            "--AgentService:Gateway:HeartbeatTimeout=00:00:03", "--AgentService:Gateway:SweepInterval=00:00:00.050",
            "--AgentService:Gateway:OfflineRecheckInterval=00:10:00");
        using var a = cluster.Hosts[0].CreateClient();
        using var b = cluster.Hosts[1].CreateClient();
        using var c = cluster.Hosts[2].CreateClient();
        await GatewayCalls.RegisterAsync(a, "r", _receiver.Url);
        for (var i = 0; i < 10; i++)
        {
            await Api.PostJsonAsync(b, "gateway/heartbeat", """{"agent_id":"r"}""");
            Assert.Equal("online", (await Api.GetJsonAsync(c, "gateway/status/r")).GetProperty("status").GetString());
            await Task.Delay(200); // The agent's own pace between heartbeats, not a wait for a condition.
        }

        // Heartbeats stop: some node's sweeper marks it offline, and a queued message waits for it.
        await Wait.UntilAsync(() => Api.GetJsonAsync(a, "gateway/status/r"), s => s.GetProperty("status").GetString() == "offline",
            TimeSpan.FromSeconds(30), "a sweeper to mark 'r' offline");
        Assert.Equal("online", (await Api.GetJsonAsync(b, "gateway/status/echo")).GetProperty("status").GetString());
        var id = (await GatewayCalls.SendAsync(a, GatewayCalls.Text("s", "r", "are you there?", delivery: "queued"), HttpStatusCode.Accepted))
            .GetProperty("message_id").GetString()!;
        await Wait.UntilAsync(() => GatewayCalls.MessageAsync(b, id), m => m.GetProperty("last_error").ValueKind == JsonValueKind.String,
            what: "the message to wait for its agent");
        Assert.Empty(_receiver.Requests);

        // Back with a heartbeat on C: pushed once.
        await Api.PostJsonAsync(c, "gateway/heartbeat", """{"agent_id":"r"}""");
        await Wait.UntilAsync(() => GatewayCalls.MessageAsync(a, id), m => m.GetProperty("status").GetString() == "sent", what: "delivery after the heartbeat");
        Assert.Equal(id, Assert.Single(_receiver.Requests).IdempotencyKey);
        Assert.Empty(cluster.Errors);
    }

    [PostgresFact]
    public async Task NodeKilledMidOutbox_AnotherNodeDeliversWhatItHeld_OnlyOnceItsLeaseEnds()
    {
        // A lease lasts WebhookTimeout + LeaseMargin = 22 s from its claim (long enough for node B to start under load).
        string[] lease = ["--AgentService:Gateway:WebhookTimeout=00:00:20", "--AgentService:Gateway:LeaseMargin=00:00:02"];
        await using var cluster = await NodeCluster.StartAsync(0, lease);
        var doomed = await cluster.AddProcessAsync();
        using var a = doomed.CreateClient();
        await GatewayCalls.RegisterAsync(a, "r", _receiver.Url);
        _receiver.Respond = (_, _) => WebhookReceiver.Hang;

        var beforeSend = DateTimeOffset.UtcNow;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await GatewayCalls.SendAsync(a, GatewayCalls.Text("s", "r", $"held {i}", delivery: "queued"), HttpStatusCode.Accepted))
                .GetProperty("message_id").GetString()!);
        }

        // Node A has claimed all five and is pushing them (the receiver holds the requests open).
        await Wait.UntilAsync(() => Task.FromResult(_receiver.Requests.Count), n => n == 5, what: "node A to push all five");

        // Node B starts while A is alive with its deliveries in flight: it must not take them over.
        var survivor = await cluster.AddHostAsync();
        await doomed.KillAsync();
        _receiver.Respond = (_, _) => 200;

        using var b = survivor.CreateClient();
        foreach (var id in ids)
        {
            await Wait.UntilAsync(() => GatewayCalls.MessageAsync(b, id), m => m.GetProperty("status").GetString() == "sent", TimeSpan.FromSeconds(60),
                $"node B to deliver {id}");
        }

        // Each message was pushed twice: by A (cut off by the kill) and once more by B, no earlier than A's lease end.
        var pushes = _receiver.Requests.ToList();
        Assert.Equal(10, pushes.Count);
        foreach (var id in ids)
        {
            var mine = pushes.Where(p => p.IdempotencyKey == id).OrderBy(p => p.ReceivedAt).ToList();
            Assert.Equal(2, mine.Count);
            Assert.True(mine[1].ReceivedAt >= beforeSend + TimeSpan.FromSeconds(22) - TimeSpan.FromMilliseconds(50),
                $"{id} was pushed again {mine[1].ReceivedAt - beforeSend} after it was sent, before the 22 s lease of the killed node ended");
        }

        Assert.Equal(0L, await cluster.ScalarAsync("SELECT COUNT(*) FROM gateway_outbox"));
        Assert.Empty(cluster.Errors);
    }
}
