using System.Net;
using System.Net.Sockets;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Hosting;

/// <summary>
/// A server that cannot start says why in one line on standard error and exits with a code a supervisor or a script can
/// tell apart — 2 for a configuration to fix, 1 for an environment that does not let it run — instead of an unhandled
/// exception's stack trace and an abort (SIGABRT, exit code 134).
/// </summary>
public sealed class StartupErrorTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string[], string> Misconfigurations => new()
    {
        { "agents file that is not JSON", ["--agents", "{agents}"], "The agents file '{agents}' is not valid" },
        { "agents file that does not exist", ["--agents", "{missing}"], "Cannot read the agents file '{missing}'" },
        { "option that is not a number", ["--step-wait", "soon"], "'soon' at 'AgentService:StepWaitSeconds'" },
        { "option out of its range", ["--AgentService:Runtime:MaxFrameDepth", "0"], "MaxFrameDepth" },
        { "heartbeat below the protocol's minimum", ["--AgentService:Runtime:HeartbeatIntervalMs", "300"], "HeartbeatIntervalMs must be at least 1000" },
        { "network address without authentication", ["--urls", "http://0.0.0.0:0"], "Refusing to start without authentication" },
        { "rate limit that is not a whole number", ["--auth", "apikey", "--AgentService:RateLimits:PerKey:TokensPerSecond", "0.1"], "'0.1' at 'AgentService:RateLimits:PerKey:TokensPerSecond'" },
        { "negative rate limit burst", ["--auth", "apikey", "--AgentService:RateLimits:PerKey:Burst", "-1"], "TokensPerSecond and Burst must be 0 or more" },
        { "misspelled setting", ["--AgentService:MaxUplodBytes", "5"], "'AgentService:MaxUplodBytes' is not a setting of AgentService (did you mean AgentService:MaxUploadBytes?)" },
        { "misspelled nested setting", ["--AgentService:Gateway:WebhookTimout", "00:00:01"], "'AgentService:Gateway:WebhookTimout' is not a setting of AgentService (did you mean AgentService:Gateway:WebhookTimeout?)" },
        { "setting below a rate-limit bucket that has none", ["--AgentService:RateLimits:PerKey:Rate", "5"], "'AgentService:RateLimits:PerKey:Rate' is not a setting" },
        { "negative key cache time", ["--auth", "apikey", "--AgentService:Auth:KeyCacheSeconds", "-5"], "KeyCacheSeconds must be from 0 to 3600" },
        { "PostgreSQL connection string with an unknown key", ["--AgentService:Storage:Postgres", "Hostt=127.0.0.1;Password=hunter2"], "AgentService:Storage:Postgres is not a valid PostgreSQL connection string" },
        { "PostgreSQL port that is not a number", ["--AgentService:Storage:Postgres", "Host=127.0.0.1;Port=abc"], "AgentService:Storage:Postgres is not a valid PostgreSQL connection string" },
        { "telemetry endpoint that is not a URL", ["--AgentService:Telemetry:OtlpEndpoint", "collector:4318"], "AgentService:Telemetry:OtlpEndpoint must be an absolute http or https URL" },
        { "telemetry protocol unknown", ["--AgentService:Telemetry:OtlpEndpoint", "http://127.0.0.1:4318", "--AgentService:Telemetry:OtlpProtocol", "thrift"], "AgentService:Telemetry:OtlpProtocol must be 'http/protobuf' or 'grpc'" },
    };

    [Theory]
    [MemberData(nameof(Misconfigurations))]
    public async Task AMisconfiguredServer_SaysWhyInOneLine_AndExits2(string what, string[] args, string expected)
    {
        var agents = _dir.File("agents.json");
        await File.WriteAllTextAsync(agents, """{"agents": [{"id": "echo",, }]}""");
        string Fill(string s) => s.Replace("{agents}", agents, StringComparison.Ordinal).Replace("{missing}", _dir.File("missing.json"), StringComparison.Ordinal);

        var (exitCode, stdout, stderr) = await ServerProcess.RunToExitAsync(Timeout,
            ["--urls", "http://127.0.0.1:0", "--data-dir", _dir.File("data"), .. args.Select(Fill)]);

        Assert.True(exitCode == 2, $"{what}: exit code {exitCode}\n{stdout}\n{stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("AgentService could not start: ", line, StringComparison.Ordinal);
        Assert.Contains(Fill(expected), line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);

        // Refused before anything was written: no data directory, no database, no admin key.
        Assert.False(Directory.Exists(_dir.File("data")), $"{what}: the data directory was created");
    }

    [Fact]
    public async Task AServerWhoseAddressIsTaken_SaysSo_AndExits1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await ServerProcess.RunToExitAsync(Timeout,
            "--urls", $"http://127.0.0.1:{port}", "--data-dir", _dir.File("data"), "--AgentService:DefaultAgent=builtin");

        Assert.True(exitCode == 1, $"exit code {exitCode}\n{stdout}\n{stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("AgentService could not start: ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr, StringComparison.Ordinal);

        // The background services that had started are stopped like on any stop: none reports a failure on the way out.
        Assert.DoesNotContain("BackgroundService failed", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("ObjectDisposedException", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerWhoseDataDirectoryIsAFile_SaysSo_AndExits1()
    {
        var notADirectory = _dir.File("data");
        await File.WriteAllTextAsync(notADirectory, "a file where the data directory should be");

        var (exitCode, stdout, stderr) = await ServerProcess.RunToExitAsync(Timeout,
            "--urls", "http://127.0.0.1:0", "--data-dir", notADirectory, "--AgentService:DefaultAgent=builtin");

        Assert.True(exitCode == 1, $"exit code {exitCode}\n{stdout}\n{stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("AgentService could not start: ", line, StringComparison.Ordinal);
        Assert.Contains(notADirectory, line, StringComparison.Ordinal);
    }
}
