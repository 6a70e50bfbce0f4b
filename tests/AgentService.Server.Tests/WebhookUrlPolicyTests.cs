using System.Net;
using AgentService.Server.Gateway;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Tests;

public sealed class WebhookUrlPolicyTests
{
    private static WebhookUrlPolicy Policy(bool loopback = true, bool privateNetworks = false) =>
        new(Options.Create(new GatewayOptions { AllowLoopback = loopback, AllowPrivateNetworks = privateNetworks }));

    [Theory]
    [InlineData("8.8.8.8", "Public")]
    [InlineData("2606:4700::1111", "Public")]
    [InlineData("127.0.0.1", "Loopback")]
    [InlineData("127.255.0.9", "Loopback")]
    [InlineData("::1", "Loopback")]
    [InlineData("::ffff:127.0.0.1", "Loopback")]
    [InlineData("10.1.2.3", "Private")]
    [InlineData("172.16.0.1", "Private")]
    [InlineData("172.31.255.255", "Private")]
    [InlineData("172.32.0.1", "Public")]
    [InlineData("192.168.0.1", "Private")]
    [InlineData("100.64.0.1", "Private")]
    [InlineData("100.128.0.1", "Public")]
    [InlineData("fc00::1", "Private")]
    [InlineData("fd12:3456::1", "Private")]
    [InlineData("169.254.0.1", "LinkLocal")]
    [InlineData("fe80::1", "LinkLocal")]
    [InlineData("fe80::1%2", "LinkLocal")]
    [InlineData("febf::1", "LinkLocal")]
    [InlineData("169.254.169.254", "Metadata")]
    [InlineData("::ffff:169.254.169.254", "Metadata")]
    [InlineData("64:ff9b::a9fe:a9fe", "Metadata")]
    [InlineData("2002:a9fe:a9fe::1", "Metadata")]
    [InlineData("::ffff:0:a9fe:a9fe", "Metadata")]
    [InlineData("::ffff:0:7f00:1", "Loopback")]
    [InlineData("64:ff9b:1::a9fe:a9fe", "Reserved")]
    [InlineData("64:ff9b:1:a9fe:a9:fe00::", "Reserved")]
    [InlineData("2001:0:4136:e378:8000:63bf:5601:5601", "Metadata")]
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Private")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Public")]
    [InlineData("2001:db8::1", "Public")]
    [InlineData("fd00:ec2::254", "Metadata")]
    [InlineData("100.100.100.200", "Metadata")]
    [InlineData("168.63.129.16", "Metadata")]
    [InlineData("2002:0a00:0001::1", "Private")]
    [InlineData("0.0.0.0", "Unspecified")]
    [InlineData("::", "Unspecified")]
    [InlineData("224.0.0.1", "Multicast")]
    [InlineData("ff02::1", "Multicast")]
    [InlineData("255.255.255.255", "Reserved")]
    [InlineData("240.0.0.1", "Reserved")]
    public void Classify_KnowsEachRange(string address, string expected)
    {
        Assert.Equal(Enum.Parse<AddressClass>(expected), WebhookUrlPolicy.Classify(IPAddress.Parse(address)));
    }

    [Fact]
    public void Refusal_FollowsTheSettings()
    {
        var loopback = IPAddress.Loopback;
        var lan = IPAddress.Parse("10.0.0.1");
        var linkLocal = IPAddress.Parse("169.254.1.1");
        var metadata = IPAddress.Parse("169.254.169.254");

        Assert.Null(Policy().Refusal(loopback));
        Assert.Contains("AllowLoopback", Policy(loopback: false).Refusal(loopback));
        Assert.Contains("AllowPrivateNetworks", Policy().Refusal(lan));
        Assert.Null(Policy(privateNetworks: true).Refusal(lan));
        Assert.Null(Policy().Refusal(IPAddress.Parse("93.184.216.34")));
        foreach (var policy in new[] { Policy(), Policy(loopback: true, privateNetworks: true) })
        {
            Assert.Contains("never allowed", policy.Refusal(linkLocal));
            Assert.Contains("metadata", policy.Refusal(metadata));
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook", true, "")]
    [InlineData("https://agent.example/webhook", true, "")]
    [InlineData("", false, "absolute")]
    [InlineData("/relative/hook", false, "absolute")]
    [InlineData("ftp://127.0.0.1/hook", false, "http or https")]
    [InlineData("file:///etc/passwd", false, "http or https")]
    [InlineData("http://user:pw@127.0.0.1/hook", false, "user info")]
    public void TryParse_ChecksTheForm(string url, bool ok, string error)
    {
        Assert.Equal(ok, WebhookUrlPolicy.TryParse(url, out _, out var message));
        Assert.Contains(error, message);
    }

    [Fact]
    public async Task ResolveAllowed_NameResolvingToLoopback_IsRefusedWhenLoopbackIsNot()
    {
        var error = await Assert.ThrowsAsync<WebhookRefusedException>(() => Policy(loopback: false).ResolveAllowedAsync("localhost", CancellationToken.None));

        Assert.Contains("host 'localhost' resolves to loopback", error.Message);
        Assert.NotEmpty(await Policy().ResolveAllowedAsync("localhost", CancellationToken.None));
        Assert.Equal([IPAddress.IPv6Loopback], await Policy().ResolveAllowedAsync("[::1]", CancellationToken.None));
    }

    [Theory]
    [InlineData("metadata.google.internal")]
    [InlineData("METADATA.GOOGLE.INTERNAL.")]
    [InlineData("instance-data")]
    public async Task ResolveAllowed_MetadataHostNames_AreRefusedWithoutALookup(string host)
    {
        var error = await Assert.ThrowsAsync<WebhookRefusedException>(() => Policy().ResolveAllowedAsync(host, CancellationToken.None));

        Assert.Contains("metadata", error.Message);
    }
}
