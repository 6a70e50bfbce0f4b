using System.Collections;
using AgentService.Runtime.Worker;

namespace AgentService.Runtime.Tests;

/// <summary>A worker's holding settings from its environment: defaults, valid values, and refusals that name the variable.</summary>
public sealed class WorkerOptionsTests
{
    private static Hashtable Environment(string? concurrency = null, string? idle = null)
    {
        var environment = new Hashtable { ["AGENTSERVICE_URL"] = "http://127.0.0.1:8000" };
        if (concurrency is not null)
        {
            environment["AGENTSERVICE_WORKER_CONCURRENCY"] = concurrency;
        }

        if (idle is not null)
        {
            environment["AGENTSERVICE_IDLE_TIMEOUT_SECONDS"] = idle;
        }

        return environment;
    }

    [Fact]
    public void Defaults_HoldEightRuns_AndReleaseEachAfterAMinuteIdle()
    {
        var options = WorkerClientOptions.FromEnvironment(Environment());
        Assert.Equal(8, options.MaxConcurrentRuns);
        Assert.Equal(TimeSpan.FromSeconds(60), options.IdleTimeout);
    }

    [Theory]
    [InlineData("3", "2.5", 3, 2.5)]
    [InlineData("1", "0", 1, null)] // 0: never released while it lasts
    [InlineData("64", "2147483", 64, 2147483.0)]
    public void ValidValues_AreTaken(string concurrency, string idle, int runs, double? seconds)
    {
        var options = WorkerClientOptions.FromEnvironment(Environment(concurrency, idle));
        Assert.Equal(runs, options.MaxConcurrentRuns);
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, options.IdleTimeout);
    }

    [Theory]
    [InlineData("0", null, "AGENTSERVICE_WORKER_CONCURRENCY")]
    [InlineData("abc", null, "AGENTSERVICE_WORKER_CONCURRENCY")]
    [InlineData("99999999999", null, "AGENTSERVICE_WORKER_CONCURRENCY")]
    [InlineData(null, "-1", "AGENTSERVICE_IDLE_TIMEOUT_SECONDS")]
    [InlineData(null, "abc", "AGENTSERVICE_IDLE_TIMEOUT_SECONDS")]
    [InlineData(null, "NaN", "AGENTSERVICE_IDLE_TIMEOUT_SECONDS")]
    [InlineData(null, "1e13", "AGENTSERVICE_IDLE_TIMEOUT_SECONDS")] // past what a timer runs: it used to overflow, or to leave claimed runs unserved
    [InlineData(null, "Infinity", "AGENTSERVICE_IDLE_TIMEOUT_SECONDS")]
    [InlineData(null, "2147484", "AGENTSERVICE_IDLE_TIMEOUT_SECONDS")]
    public void BadValues_AreRefused_NamingTheVariable(string? concurrency, string? idle, string variable)
    {
        var error = Assert.Throws<RuntimeConfigurationException>(() => WorkerClientOptions.FromEnvironment(Environment(concurrency, idle)));
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }
}
