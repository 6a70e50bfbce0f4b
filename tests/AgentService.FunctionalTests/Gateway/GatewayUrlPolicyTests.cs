using System.Net;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Gateway;

public sealed class GatewayUrlPolicyTests
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data", "metadata")]
    [InlineData("http://169.254.10.1/hook", "link-local")]
    [InlineData("http://[fe80::1]/hook", "link-local")]
    [InlineData("http://[fd00:ec2::254]/hook", "metadata")]
    [InlineData("http://[::ffff:169.254.169.254]/hook", "metadata")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1", "metadata")]
    [InlineData("http://10.0.0.5/hook", "private")]
    [InlineData("http://172.16.3.4/hook", "private")]
    [InlineData("http://192.168.1.10/hook", "private")]
    [InlineData("http://[fc00::1]/hook", "private")]
    [InlineData("http://0.0.0.0/hook", "unspecified")]
    [InlineData("http://224.0.0.1/hook", "multicast")]
    public async Task Register_RefusedAddress_Is400NamingTheReasonAndRegistersNothing(string url, string reason)
    {
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateClient();

        var error = await GatewayCalls.PostErrorAsync(http, "gateway/register", GatewayCalls.Card("a", new Uri(url)), HttpStatusCode.BadRequest, reason);

        Assert.Contains("webhook_url", error.GetProperty("detail").GetString());
        await GatewayCalls.PostErrorAsync(http, "gateway/heartbeat", """{"agent_id":"a"}""", HttpStatusCode.NotFound, "a");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://127.8.9.10:9/hook")]
    [InlineData("http://[::1]:9/hook")]
    [InlineData("http://localhost:9/hook")]
    public async Task Register_Loopback_IsAllowedByDefault(string url)
    {
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateClient();

        await Api.PostJsonAsync(http, "gateway/register", GatewayCalls.Card("a", new Uri(url)));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://localhost:9/hook")]
    public async Task Register_LoopbackWhenDisallowed_Is400(string url)
    {
        await using var host = await ServiceHost.StartAsync(null, "--AgentService:Gateway:AllowLoopback=false");
        using var http = host.CreateClient();

        await GatewayCalls.PostErrorAsync(http, "gateway/register", GatewayCalls.Card("a", new Uri(url)), HttpStatusCode.BadRequest, "loopback");
    }

    [Fact]
    public async Task Register_PrivateNetworkWhenAllowed_IsAcceptedButLinkLocalStillRefused()
    {
        await using var host = await ServiceHost.StartAsync(null, "--AgentService:Gateway:AllowPrivateNetworks=true");
        using var http = host.CreateClient();

        // Registration checks addresses only; nothing is sent to these.
        await Api.PostJsonAsync(http, "gateway/register", GatewayCalls.Card("lan", new Uri("http://10.0.0.5/hook")));
        await Api.PostJsonAsync(http, "gateway/register", GatewayCalls.Card("ula", new Uri("http://[fd12:3456::1]/hook")));
        await GatewayCalls.PostErrorAsync(http, "gateway/register", GatewayCalls.Card("meta", new Uri("http://169.254.169.254/")), HttpStatusCode.BadRequest, "never allowed");
    }

    [Fact]
    public async Task Push_ChecksThePolicyAgainAtPushTime()
    {
        await using var receiver = await WebhookReceiver.StartNewAsync();
        await using var first = await ServiceHost.StartAsync();
        using (var http = first.CreateClient())
        {
            await GatewayCalls.RegisterAsync(http, "r", receiver.Url);
        }

        await first.StopAsync();

        // The same registry, served by a gateway whose policy no longer allows loopback.
        await using var second = await ServiceHost.StartAsync(first.DataDir, "--AgentService:Gateway:AllowLoopback=false");
        using var after = second.CreateClient();
        using var response = await after.PostAsync("gateway/send", Api.Json(GatewayCalls.Text("s", "r", "hi")));

        await GatewayCalls.AssertErrorAsync(response, HttpStatusCode.BadGateway, "refused by the webhook URL policy");
        Assert.Empty(receiver.Requests);
    }
}
