using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Gateway;
using AgentService.FunctionalTests.Runtime;
using AgentService.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentService.FunctionalTests.Security;

/// <summary>After keys, secrets, run tokens and webhook secrets have all been used — including refused and revoked
/// ones — none of them is found in plaintext in any file of the data directory (database, WAL, blobs, runtime logs)
/// or in anything the server logged, at every level.</summary>
[Trait("Storage", "SqliteOnly")]
public sealed class NoPlaintextCredentialsTests
{
    [Fact]
    public async Task KeysTokensAndSecrets_NeverAppearInTheStoreOrTheLogs()
    {
        var logged = new ConcurrentQueue<string>();
        await using var fixture = await RuntimeFixture.StartAsync("", "--auth", "apikey", "--Logging:LogLevel:Default=Trace");
        var admin = (await File.ReadAllTextAsync(Path.Combine(fixture.Host.DataDir, "admin.key"))).Trim();
        await fixture.Host.StopAsync();
        await using var host = await ServiceHost.StartConfiguredAsync(
            b =>
            {
                b.Logging.SetMinimumLevel(LogLevel.Trace);
                b.Logging.AddProvider(new RecordingProvider(logged));
            },
            fixture.Host.DataDir,
            "--agents", fixture.Dir.File("agents.json"), "--auth", "apikey");
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);

        var client = await AuthMatrixTests.CreateKeyAsync(http, "client", "*");
        var revoked = await AuthMatrixTests.CreateKeyAsync(http, "agent", "workers");
        using (await http.DeleteAsync($"v1/keys/{AuthMatrixTests.ApiKeyId(revoked)}"))
        {
        }

        await Api.PutJsonAsync(http, "v1/agents/manual/secrets/ADMIN_SET", """{"value":"admin-set-secret-value-42"}""");
        await using var receiver = await WebhookReceiver.StartNewAsync();
        var webhookSecret = await GatewayCalls.RegisterAsync(http, "plain", receiver.Url);
        await GatewayCalls.SendAsync(http, GatewayCalls.Text("plain", "plain", "hello"));

        // Credentials presented to the service, accepted or refused.
        foreach (var key in new[] { client, revoked, "ask_keydeadbeefdeadbeef_wrong-key-material-000000000000000000000" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "ap/v1/agent/tasks");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using (await host.CreateClient().SendAsync(request))
            {
            }

            using var viaHeader = new HttpRequestMessage(HttpMethod.Get, "v1/keys");
            viaHeader.Headers.Add("X-API-Key", key);
            using (await host.CreateClient().SendAsync(viaHeader))
            {
            }
        }

        // A runtime reads its secrets with its run token.
        var taskId = await Api.CreateTaskAsync(http, "t", RuntimeFixture.Prefix);
        using (var step = new HttpRequestMessage(HttpMethod.Post, $"{RuntimeFixture.Prefix}/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"x"}""") })
        {
            step.Headers.Add("Prefer", "wait=0");
            using (await http.SendAsync(step))
            {
            }
        }

        var launched = await Wait.UntilAsync(
            () => Task.FromResult(Directory.GetFiles(fixture.Dir.File("env"), "*.env").Select(File.ReadAllLines).FirstOrDefault(l => l.Length == 4 && l[1] == taskId)),
            l => l is not null, TimeSpan.FromSeconds(20), "the runtime to be launched");
        var token = launched![3];
        await using (var runtime = await RawRuntime.ConnectAsync(new Uri(launched[0]), token))
        {
            var attach = await runtime.AttachAsync(launched[1], launched[2]);
            var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString();
            var secrets = await runtime.RequestAsync("runtime.connection.secrets.get.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = launched[1] });
            Assert.Equal("admin-set-secret-value-42", secrets.GetProperty("result").GetProperty("secrets").GetProperty("ADMIN_SET").GetString());
        }

        await host.StopAsync();
        var plaintexts = new[] { admin, client, revoked, token, webhookSecret, "admin-set-secret-value-42", "sk-test-123", "other-secret", "wrong-key-material" };
        Assert.NotEmpty(logged);
        var log = string.Join('\n', logged);
        foreach (var secret in plaintexts)
        {
            Assert.False(log.Contains(secret, StringComparison.Ordinal), $"'{secret[..6]}...' in the server's log");
        }

        await foreach (var (file, bytes) in StoredFiles.ReadAllAsync(host.DataDir))
        {
            if (Path.GetFileName(file) == "admin.key")
            {
                continue;
            }

            foreach (var secret in plaintexts)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret[..6]}...' in plaintext in {file}");
            }
        }
    }

    private sealed class RecordingProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class Recorder(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {exception}");
    }
}
