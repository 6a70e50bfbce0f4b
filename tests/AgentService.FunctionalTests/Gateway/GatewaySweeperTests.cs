using System.Net;
using AgentService.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace AgentService.FunctionalTests.Gateway;

public sealed class GatewaySweeperTests
{
    [Fact]
    public async Task Sweeper_AgentWithoutHeartbeatForTheTimeout_IsMarkedOffline()
    {
        var clock = new ManualTimeProvider();
        await using var host = await ServiceHost.StartConfiguredAsync(
            builder => builder.Services.AddSingleton<TimeProvider>(clock), null, "--AgentService:Gateway:SweepInterval=00:00:00.050");
        using var http = host.CreateClient();
        var hook = new Uri("http://127.0.0.1:9/hook");
        await GatewayCalls.RegisterAsync(http, "silent", hook);
        await GatewayCalls.RegisterAsync(http, "chatty", hook);
        var registered = DateTimeOffset.Parse((await Api.GetJsonAsync(http, "gateway/status/silent")).GetProperty("last_heartbeat").GetString()!,
            System.Globalization.CultureInfo.InvariantCulture);

        clock.Advance(TimeSpan.FromSeconds(40));
        await Api.PostJsonAsync(http, "gateway/heartbeat", """{"agent_id":"chatty"}""");
        clock.Advance(TimeSpan.FromSeconds(30));

        // 'silent' is 70 s past its last heartbeat (timeout 60 s), 'chatty' 30 s: the same sweep judges both.
        await Wait.UntilAsync(() => Api.GetJsonAsync(http, "gateway/status/silent"), s => s.GetProperty("status").GetString() == "offline",
            what: "the sweeper to mark 'silent' offline");
        var chatty = await Api.GetJsonAsync(http, "gateway/status/chatty");
        Assert.Equal("online", chatty.GetProperty("status").GetString());
        var beat = DateTimeOffset.Parse(chatty.GetProperty("last_heartbeat").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(beat - registered, TimeSpan.FromSeconds(39), TimeSpan.FromSeconds(60));
        var online = await Api.GetJsonAsync(http, "gateway/agents");
        Assert.Equal(["chatty", "echo"], online.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("agent_id").GetString()));

        // Hosted agents (the agents catalog) are never swept, however long: the service is their heartbeat.
        clock.Advance(TimeSpan.FromMinutes(10));
        await Wait.UntilAsync(() => Api.GetJsonAsync(http, "gateway/status/chatty"), s => s.GetProperty("status").GetString() == "offline",
            what: "'chatty' to time out too");
        Assert.Equal("online", (await Api.GetJsonAsync(http, "gateway/status/echo")).GetProperty("status").GetString());

        // A direct send to an agent the sweeper marked offline is a 404; a heartbeat brings it back.
        await GatewayCalls.PostErrorAsync(http, "gateway/send", GatewayCalls.Text("x", "silent", "hi"), HttpStatusCode.NotFound, "offline");
        await Api.PostJsonAsync(http, "gateway/heartbeat", """{"agent_id":"silent"}""");
        Assert.Equal("online", (await Api.GetJsonAsync(http, "gateway/status/silent")).GetProperty("status").GetString());
        Assert.Empty(host.Errors);
    }
}
