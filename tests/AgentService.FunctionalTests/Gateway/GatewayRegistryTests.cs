using System.Net;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Gateway;

public sealed class GatewayRegistryTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private HttpClient _http = null!;
    private static readonly Uri Hook = new("http://127.0.0.1:9/webhook");

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _http = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Register_AgentCard_AnswersRegisteredWithASecretAndListsTheAgent()
    {
        var reply = await Api.PostJsonAsync(_http, "gateway/register", GatewayCalls.Card("my-agent-001", Hook, name: "My Agent"));

        Assert.Equal(["agent_id", "status", "webhook_secret"], Api.PropertyNames(reply));
        Assert.Equal("registered", reply.GetProperty("status").GetString());
        Assert.Equal("my-agent-001", reply.GetProperty("agent_id").GetString());
        Assert.StartsWith("whsec_", reply.GetProperty("webhook_secret").GetString());

        var list = await Api.GetJsonAsync(_http, "gateway/agents?agent_type=analyst");
        Assert.Equal(["agents", "total"], Api.PropertyNames(list));
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        var agent = Assert.Single(list.GetProperty("agents").EnumerateArray());
        Assert.Equal(["agent_id", "agent_name", "agent_type", "capabilities", "last_heartbeat", "status"], Api.PropertyNames(agent));
        Assert.Equal("My Agent", agent.GetProperty("agent_name").GetString());
        Assert.Equal(["search", "analyze"], agent.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("online", agent.GetProperty("status").GetString());
        AssertRfc3339Utc(agent.GetProperty("last_heartbeat").GetString()!);
    }

    [Fact]
    public async Task Register_Again_UpdatesTheCardAndIssuesANewSecret()
    {
        var first = await GatewayCalls.RegisterAsync(_http, "a1", Hook, type: "analyst");

        var second = await GatewayCalls.RegisterAsync(_http, "a1", new Uri("http://127.0.0.1:10/other"), type: "writer");

        Assert.NotEqual(first, second);
        var analysts = await Api.GetJsonAsync(_http, "gateway/agents?agent_type=analyst");
        Assert.Equal(0, analysts.GetProperty("total").GetInt32());
        var writers = await Api.GetJsonAsync(_http, "gateway/agents?agent_type=writer");
        Assert.Equal("a1", Assert.Single(writers.GetProperty("agents").EnumerateArray()).GetProperty("agent_id").GetString());
        var health = await Api.GetJsonAsync(_http, "gateway/health");
        Assert.Equal(2, health.GetProperty("registered_agents").GetInt64());   // a1 and the built-in echo agent
    }

    [Fact]
    public async Task Heartbeat_KnownAgent_IsOkAndUnknownIs404()
    {
        await GatewayCalls.RegisterAsync(_http, "a1", Hook);

        var ok = await Api.PostJsonAsync(_http, "gateway/heartbeat", """{"agent_id":"a1"}""");
        Assert.Equal("""{"status":"ok"}""", ok.GetRawText());

        await GatewayCalls.PostErrorAsync(_http, "gateway/heartbeat", """{"agent_id":"nobody"}""", HttpStatusCode.NotFound, "nobody");
        await GatewayCalls.PostErrorAsync(_http, "gateway/heartbeat", "{}", HttpStatusCode.BadRequest, "agent_id");
        await GatewayCalls.PostErrorAsync(_http, "gateway/heartbeat", """{"agent_id":42}""", HttpStatusCode.BadRequest, "agent_id");
    }

    [Fact]
    public async Task Unregister_MarksOfflineAndOnlineOnlyHidesIt()
    {
        await GatewayCalls.RegisterAsync(_http, "a1", Hook);
        await GatewayCalls.RegisterAsync(_http, "a2", Hook);

        var reply = await Api.PostJsonAsync(_http, "gateway/unregister", """{"agent_id":"a1"}""");

        Assert.Equal("""{"status":"unregistered"}""", reply.GetRawText());
        var status = await Api.GetJsonAsync(_http, "gateway/status/a1");
        Assert.Equal(["agent_id", "last_heartbeat", "status"], Api.PropertyNames(status));
        Assert.Equal("offline", status.GetProperty("status").GetString());
        var online = await Api.GetJsonAsync(_http, "gateway/agents?agent_type=analyst");
        Assert.Equal(["a2"], online.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("agent_id").GetString()));
        var all = await Api.GetJsonAsync(_http, "gateway/agents?agent_type=analyst&online_only=false");
        Assert.Equal(2, all.GetProperty("total").GetInt32());
        await GatewayCalls.PostErrorAsync(_http, "gateway/unregister", """{"agent_id":"ghost"}""", HttpStatusCode.NotFound, "ghost");

        // A heartbeat brings it back.
        await Api.PostJsonAsync(_http, "gateway/heartbeat", """{"agent_id":"a1"}""");
        Assert.Equal("online", (await Api.GetJsonAsync(_http, "gateway/status/a1")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Status_UnknownAgent_Is404WithDetail()
    {
        using var response = await _http.GetAsync("gateway/status/nobody");

        var error = await GatewayCalls.AssertErrorAsync(response, HttpStatusCode.NotFound, "nobody");
        Assert.Equal(["detail"], Api.PropertyNames(error));
    }

    [Fact]
    public async Task Health_AnswersRunningWithVersionUptimeAndAgentCount()
    {
        var health = await Api.GetJsonAsync(_http, "gateway/health");

        Assert.Equal(["registered_agents", "status", "uptime_seconds", "version"], Api.PropertyNames(health));
        Assert.Equal("running", health.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("version").GetString()));
        Assert.True(health.GetProperty("uptime_seconds").GetInt64() >= 0);
        Assert.Equal(1, health.GetProperty("registered_agents").GetInt64());
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("[]", "body")]
    [InlineData("{bad", "not valid JSON")]
    [InlineData("""{"agent_name":"A","agent_type":"t","webhook_url":"http://127.0.0.1:9/"}""", "agent_id")]
    [InlineData("""{"agent_id":"bad id","agent_name":"A","agent_type":"t","webhook_url":"http://127.0.0.1:9/"}""", "agent_id")]
    [InlineData("""{"agent_id":"a","agent_type":"t","webhook_url":"http://127.0.0.1:9/"}""", "agent_name")]
    [InlineData("""{"agent_id":"a","agent_name":"A","webhook_url":"http://127.0.0.1:9/"}""", "agent_type")]
    [InlineData("""{"agent_id":"a","agent_name":"A","agent_type":"t"}""", "webhook_url")]
    [InlineData("""{"agent_id":"a","agent_name":"A","agent_type":"t","webhook_url":"ftp://127.0.0.1/"}""", "webhook_url")]
    [InlineData("""{"agent_id":"a","agent_name":"A","agent_type":"t","webhook_url":"http://u:p@127.0.0.1/"}""", "user info")]
    [InlineData("""{"agent_id":"a","agent_name":"A","agent_type":"t","webhook_url":"http://127.0.0.1:9/","capabilities":"x"}""", "capabilities")]
    [InlineData("""{"agent_id":"a","agent_name":"A","agent_type":"t","webhook_url":"http://127.0.0.1:9/","capabilities":[1]}""", "capabilities[0]")]
    [InlineData("""{"agent_id":"a","agent_name":"A","agent_type":"t","webhook_url":"http://127.0.0.1:9/","metadata":[1]}""", "metadata")]
    public async Task Register_MalformedBody_Is400WithDetailAndRegistersNothing(string body, string expected)
    {
        await GatewayCalls.PostErrorAsync(_http, "gateway/register", body, HttpStatusCode.BadRequest, expected);

        var all = await Api.GetJsonAsync(_http, "gateway/agents?online_only=false");
        Assert.Equal(["echo"], all.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("agent_id").GetString()));
    }

    [Fact]
    public async Task ListAgents_BadOnlineOnly_Is400()
    {
        using var response = await _http.GetAsync("gateway/agents?online_only=maybe");

        await GatewayCalls.AssertErrorAsync(response, HttpStatusCode.BadRequest, "online_only");
    }

    [Fact]
    public async Task UnknownGatewayRouteAndWrongMethod_AnswerInTheDetailShape()
    {
        using var missing = await _http.GetAsync("gateway/nothing-here");
        await GatewayCalls.AssertErrorAsync(missing, HttpStatusCode.NotFound, "gateway/nothing-here");
        using var wrongMethod = await _http.DeleteAsync("gateway/health");
        await GatewayCalls.AssertErrorAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "DELETE");
        using var notJson = await _http.PostAsync("gateway/register", new StringContent("x", System.Text.Encoding.UTF8, "text/plain"));
        await GatewayCalls.AssertErrorAsync(notJson, HttpStatusCode.UnsupportedMediaType, "application/json");
    }

    [Fact]
    public async Task AgentProtocolErrors_KeepTheirOwnShape()
    {
        using var response = await _http.PostAsync("ap/v1/agent/tasks", Api.Json("""{"input": 42}"""));

        await Api.AssertInvalidAsync(response, "input");
    }

    [Fact]
    public async Task Registry_SurvivesARestart()
    {
        await GatewayCalls.RegisterAsync(_http, "durable", Hook, type: "keeper");

        await _host.RestartAsync();

        using var after = _host.CreateClient();
        var list = await Api.GetJsonAsync(after, "gateway/agents?agent_type=keeper");
        var agent = Assert.Single(list.GetProperty("agents").EnumerateArray());
        Assert.Equal("durable", agent.GetProperty("agent_id").GetString());
        Assert.Equal("online", agent.GetProperty("status").GetString());
        Assert.Equal(2, (await Api.GetJsonAsync(after, "gateway/health")).GetProperty("registered_agents").GetInt64());
    }

    [Fact]
    public async Task AgentsFile_AgentsAppearInTheRegistryAsOnline()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("agents.json"), """
            { "agents": [
                { "id": "writer", "name": "Writer", "type": "writer", "capabilities": ["write"], "webhookUrl": "http://127.0.0.1:9/hook", "default": true },
                { "id": "reviewer", "metadata": {"team": "a"} }
            ] }
            """);
        await using var host = await ServiceHost.StartAsync(null, "--agents", dir.File("agents.json"));
        using var http = host.CreateClient();

        var list = await Api.GetJsonAsync(http, "gateway/agents");

        Assert.Equal(["reviewer", "writer"], list.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("agent_id").GetString()));
        var writer = list.GetProperty("agents")[1];
        Assert.Equal("Writer", writer.GetProperty("agent_name").GetString());
        Assert.Equal("writer", writer.GetProperty("agent_type").GetString());
        Assert.Equal("online", writer.GetProperty("status").GetString());
        var reviewer = list.GetProperty("agents")[0];
        Assert.Equal("reviewer", reviewer.GetProperty("agent_name").GetString());
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task AgentsFile_WithARefusedWebhookUrl_StopsTheStartNamingTheAgent()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("agents.json"), """{ "agents": [ { "id": "sneaky", "webhookUrl": "http://169.254.169.254/latest" } ] }""");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() =>
            Server.Hosting.AgentServiceApp.Create(["--urls", "http://127.0.0.1:0", "--data-dir", dir.File("data"), "--agents", dir.File("agents.json")])));

        Assert.Contains("sneaky", error.Message);
        Assert.Contains("metadata", error.Message);
    }

    internal static void AssertRfc3339Utc(string text) =>
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", text);
}
