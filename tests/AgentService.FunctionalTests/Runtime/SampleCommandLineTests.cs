using System.Diagnostics;
using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>
/// The EchoAgent sample's command line, as an operator runs it (<c>AgentRuntime.RunMainAsync</c>): started by hand
/// without the launcher's environment it says what is missing in one line and exits 2 (it used to die of an unhandled
/// exception, SIGABRT); with <c>--worker AGENT</c> it claims that agent's runs from the service and answers their
/// steps, and SIGTERM stops it with exit code 0.
/// </summary>
public sealed class SampleCommandLineTests : IDisposable
{
    private static readonly string EchoAgentDll = Path.Combine(AppContext.BaseDirectory, "agents", "echo", "EchoAgent.dll");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(new string[0], "The environment variable AGENTSERVICE_URL is not set")]
    [InlineData(new[] { "--worker", "workers" }, "The environment variable AGENTSERVICE_URL is not set")]
    [InlineData(new[] { "--wrker", "workers" }, "unexpected arguments '--wrker workers'")]
    public async Task EchoAgent_WithoutWhatItNeeds_SaysSoInOneLine_AndExits2(string[] args, string expected)
    {
        using var process = Start(args, url: null);
        var (exitCode, stdout, stderr) = await WaitAsync(process);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("EchoAgent: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains("usage: EchoAgent", line, StringComparison.Ordinal);
        Assert.Empty(stdout.Trim());
    }

    [Theory]
    [InlineData("nosuch")]
    [InlineData("echo")]
    public async Task EchoAgent_AsAWorkerOfAnAgentItCannotServe_SaysWhyInOneLine_AndExits2(string agentId)
    {
        // No such agent, or one not in worker mode: retrying for ever in silence would help nobody.
        await using var host = await ServiceHost.StartAsync();
        using var process = Start(["--worker", agentId], host.BaseAddress.ToString());
        var (exitCode, _, stderr) = await WaitAsync(process);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"EchoAgent: Claiming a run of {agentId} failed: 404", line, StringComparison.Ordinal);
        Assert.Contains("whose runs workers claim", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EchoAgent_AsAWorker_ClaimsTheAgentsRuns_AnswersTheirSteps_AndStopsOnSigterm()
    {
        var agentsFile = _dir.File("agents.json");
        await File.WriteAllTextAsync(agentsFile, """{"agents": [{"id": "echo", "default": true}, {"id": "workers", "runtime": {"mode": "worker"}}]}""");
        await using var host = await ServiceHost.StartAsync(null, "--agents", agentsFile);
        using var http = host.CreateClient();
        using var worker = Start(["--worker", "workers"], host.BaseAddress.ToString());
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            var taskId = await Api.CreateTaskAsync(http, "for the worker", "agents/workers/ap/v1/agent");
            var step = await Api.PostJsonAsync(http, $"agents/workers/ap/v1/agent/tasks/{taskId}/steps",
                JsonSerializer.Serialize(new { input = "from a worker process" }));

            Assert.Equal("completed", step.GetProperty("status").GetString());
            Assert.Equal("from a worker process", step.GetProperty("output").GetString());
            Assert.False(worker.HasExited);

            // SIGTERM (what systemd or Kubernetes send) stops the worker cleanly.
            using (var kill = Process.Start("kill", ["-TERM", worker.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }

            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await worker.WaitForExitAsync(stopped.Token);
            Assert.Equal(0, worker.ExitCode);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
            }
        }
    }

    private static Process Start(string[] args, string? url)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(EchoAgentDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "AGENTSERVICE_URL", "AGENTSERVICE_RUN_ID", "AGENTSERVICE_ATTEMPT_ID", "AGENTSERVICE_RUN_TOKEN", "AGENTSERVICE_WORKER_TOKEN" })
        {
            start.Environment.Remove(name);
        }

        if (url is not null)
        {
            start.Environment["AGENTSERVICE_URL"] = url;
        }

        return Process.Start(start)!;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> WaitAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
