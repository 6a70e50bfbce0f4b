using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.Cli.Tests;

/// <summary>The gateway commands of <c>agentsvc</c> against a real server and a real webhook receiver.</summary>
public sealed class GatewayCliTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _receiver = await WebhookReceiver.StartNewAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => CliRunner.RunAsync(_host.BaseAddress, args);

    private Task<JsonElement> RunJsonAsync(params string[] args) => CliRunner.RunJsonAsync(_host.BaseAddress, args);

    [Fact]
    public async Task AgentsRegisterListStatusUnregister_WorkAgainstTheServer()
    {
        var (exit, registered, _) = await RunAsync("agents", "register", "cli-agent", "--webhook-url", _receiver.Url.ToString(),
            "--name", "CLI Agent", "--type", "helper", "--capability", "search", "--capability", "write", "--metadata", """{"team":"a"}""");
        Assert.Equal(0, exit);
        Assert.Contains("registered cli-agent", registered);
        Assert.Contains("whsec_", registered);

        var list = await RunJsonAsync("agents", "list", "--type", "helper");
        var agent = Assert.Single(list.GetProperty("agents").EnumerateArray());
        Assert.Equal("CLI Agent", agent.GetProperty("agent_name").GetString());
        Assert.Equal(["search", "write"], agent.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var (_, table, _) = await RunAsync("agents", "list");
        Assert.Contains("cli-agent", table);
        Assert.Contains("2 agent(s)", table);

        var status = await RunJsonAsync("agents", "status", "cli-agent");
        Assert.Equal("online", status.GetProperty("status").GetString());

        var (unregisterExit, unregistered, _) = await RunAsync("agents", "unregister", "cli-agent");
        Assert.Equal(0, unregisterExit);
        Assert.Contains("unregistered cli-agent", unregistered);
        var (_, statusTable, _) = await RunAsync("agents", "status", "cli-agent");
        Assert.Contains("offline", statusTable);
        var online = await RunJsonAsync("agents", "list");
        Assert.DoesNotContain(online.GetProperty("agents").EnumerateArray(), a => a.GetProperty("agent_id").GetString() == "cli-agent");
        var all = await RunJsonAsync("agents", "list", "--all");
        Assert.Contains(all.GetProperty("agents").EnumerateArray(), a => a.GetProperty("agent_id").GetString() == "cli-agent");
    }

    [Fact]
    public async Task SendAndMessagesGet_DeliverAndShowTheMessage()
    {
        await RunJsonAsync("agents", "register", "to", "--webhook-url", _receiver.Url.ToString());

        var sent = await RunJsonAsync("send", "from", "to", "hello from the CLI", "--conversation", "cli-conv");
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.Equal("cli-conv", sent.GetProperty("conversation_id").GetString());
        var push = Assert.Single(_receiver.Requests);
        Assert.Contains("hello from the CLI", push.BodyText);

        var queued = await RunJsonAsync("send", "from", "to", "later", "--queued");
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        var id = queued.GetProperty("message_id").GetString()!;
        var delivered = await Wait.UntilAsync(() => RunJsonAsync("messages", "get", id), m => m.GetProperty("status").GetString() == "sent",
            what: "the queued message to be delivered");
        Assert.Equal("queued", delivered.GetProperty("delivery").GetString());

        var (exit, shown, _) = await RunAsync("messages", "get", id);
        Assert.Equal(0, exit);
        Assert.Contains("later", shown);
        Assert.Contains("sent", shown);
        var (sendExit, human, _) = await RunAsync("send", "from", "to", "table please");
        Assert.Equal(0, sendExit);
        Assert.Contains("msg_", human);
    }

    [Fact]
    public async Task GatewayErrors_AreOneLineWithExitCodes()
    {
        var (unknown, _, unknownError) = await RunAsync("send", "a", "ghost", "hi");
        Assert.Equal(ExitCodes.Failed, unknown);
        Assert.StartsWith("error: 404", unknownError);
        Assert.Contains("ghost", unknownError);

        await RunJsonAsync("agents", "register", "broken", "--webhook-url", _receiver.Url.ToString());
        _receiver.Respond = (_, _) => 500;
        var (failed, _, failedError) = await RunAsync("send", "a", "broken", "hi");
        Assert.Equal(ExitCodes.Failed, failed);
        Assert.StartsWith("error: 502", failedError);
        Assert.Single(failedError.Trim().Split('\n'));

        var (refused, _, refusedError) = await RunAsync("agents", "register", "x", "--webhook-url", "http://169.254.169.254/");
        Assert.Equal(ExitCodes.Failed, refused);
        Assert.Contains("metadata", refusedError);

        var (missing, _, missingError) = await RunAsync("messages", "get", "msg_nope");
        Assert.Equal(ExitCodes.Failed, missing);
        Assert.StartsWith("error: 404", missingError);

        var (usage, _, usageError) = await RunAsync("agents", "register", "x");
        Assert.Equal(ExitCodes.Usage, usage);
        Assert.Contains("--webhook-url", usageError);

        var (badJson, _, badJsonError) = await RunAsync("send", "a", "broken", "hi", "--metadata", "[1]");
        Assert.Equal(ExitCodes.Usage, badJson);
        Assert.Contains("--metadata", badJsonError);
    }
}
