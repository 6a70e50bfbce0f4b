using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentService.Client;
using AgentService.FunctionalTests.Gateway;
using AgentService.FunctionalTests.Runtime;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Security;

/// <summary>Secrets are stored only encrypted (AES-GCM), the generated key file is owner-only, and a key rotation keeps
/// every secret readable and re-encrypts it under the new key.</summary>
public sealed class SecretsAtRestTests
{
    // Runtimes need the SQLite run stores in this release.
    [Fact]
    [Trait("Storage", "SqliteOnly")]
    public async Task Secrets_AreNeverStoredInPlaintext_AndStillServeRuntimesAndSignatures()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var receiver = await WebhookReceiver.StartNewAsync();
        var webhookSecret = await GatewayCalls.RegisterAsync(fixture.Http, "secretive", receiver.Url);

        // A runtime still gets the agent's secret, decrypted for its reply only.
        var (taskId, _) = await fixture.CreateTaskWithStepAsync();
        var launched = await fixture.WaitForLaunchAsync(taskId);
        await using (var runtime = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token))
        {
            var attach = await runtime.AttachAsync(launched.RunId, launched.AttemptId);
            var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString();
            var secrets = await runtime.RequestAsync("runtime.connection.secrets.get.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = launched.RunId });
            Assert.Equal("sk-test-123", secrets.GetProperty("result").GetProperty("secrets").GetProperty("API_KEY").GetString());
        }

        // And pushes are still signed with the agent's secret.
        await GatewayCalls.SendAsync(fixture.Http, GatewayCalls.Text("secretive", "secretive", "hello"));
        var push = Assert.Single(receiver.Requests);
        Assert.True(WebhookSignature.Verify(webhookSecret, push.Timestamp, push.Body, push.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));

        await fixture.Host.StopAsync();
        var plaintexts = new[] { "sk-test-123", "other-secret", webhookSecret, launched.Token };
        await foreach (var (file, bytes) in StoredFiles.ReadAllAsync(fixture.Host.DataDir))
        {
            foreach (var secret in plaintexts)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret[..6]}...' in plaintext in {file}");
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(fixture.Host.DataDir, "secret.key")));
        }
    }

    [Fact]
    public async Task KeyRotation_ReencryptsStoredSecretsUnderTheNewKey_AndSignaturesStillVerify()
    {
        await using var receiver = await WebhookReceiver.StartNewAsync();
        await using var host = await ServiceHost.StartAsync();
        string webhookSecret;
        using (var http = host.CreateClient())
        {
            webhookSecret = await GatewayCalls.RegisterAsync(http, "rotating", receiver.Url);
            await Api.PutJsonAsync(http, "v1/agents/echo/secrets/ADMIN_SET", """{"value":"set-through-the-api"}""");
        }

        await host.StopAsync();
        var oldKey = (await File.ReadAllTextAsync(Path.Combine(host.DataDir, "secret.key"))).Trim();
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newKeyId = Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(newKey)))[..8];

        await using var rotated = await ServiceHost.StartAsync(host.DataDir,
            $"--AgentService:Security:SecretKey={newKey}", $"--AgentService:Security:PreviousSecretKeys:0={oldKey}");
        var stored = (string?)await rotated.ExecuteSqlAsync("SELECT webhook_secret FROM gateway_agents WHERE agent_id = 'rotating'");
        Assert.StartsWith($"v1.{newKeyId}.", stored);
        var adminSet = (string?)await rotated.ExecuteSqlAsync("SELECT value FROM agent_secrets WHERE agent_id = 'echo' AND name = 'ADMIN_SET'");
        Assert.StartsWith($"v1.{newKeyId}.", adminSet);

        using var client = rotated.CreateClient();
        await GatewayCalls.SendAsync(client, GatewayCalls.Text("rotating", "rotating", "after rotation"));
        var push = Assert.Single(receiver.Requests);
        Assert.True(WebhookSignature.Verify(webhookSecret, push.Timestamp, push.Body, push.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
        Assert.Empty(rotated.Errors);
    }
}
