using System.Collections;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentService.Runtime;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Worker;
using AgentService.Tests.Common;
using Microsoft.Extensions.Logging;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>
/// The SDK given several service nodes against the real server: a node that is down (a loopback port nobody listens
/// on) is skipped for the next, and a node restarting (1012) moves the runtime on through the list and back, with the
/// run going on. Two hosts over one SQLite directory are not a supported deployment, so the live node here is one
/// server; several PostgreSQL nodes share the same SDK path.
/// </summary>
public sealed class SdkNodeFailoverTests
{
    private const string Workers = "agents/workers/ap/v1/agent";

    /// <summary>Saves a checkpoint over the inline limit after each step, so every step uploads an artifact over HTTP
    /// with the run token (to the node the connection uses).</summary>
    private sealed class CheckpointingAgent : IAgent
    {
        private int _count;

        public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
        {
            _count++;
            var state = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["count"] = _count, ["padding"] = new string('p', 300 * 1024) });
            await context.SaveCheckpointAsync(state, cancellationToken: cancellationToken);
            return new StepResult { Output = $"count {_count}" };
        }
    }

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collecting(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Collecting(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category.Split('.')[^1]} {eventId.Id} {formatter(state, exception)}");
        }
    }

    /// <summary>A loopback port nobody listens on.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task AgentServiceUrlWithADeadNodeFirst_TheRuntimeAttachesToTheLiveNodeAndFinishesTheStep()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var dead = $"http://127.0.0.1:{FreePort()}";
        var taskId = await Api.CreateTaskAsync(fixture.Http, "count", Workers);
        var stepId = await fixture.PostStepAsync(taskId, "one", Workers);
        var claim = await fixture.ClaimAsync("multi-node", waitSeconds: 5);
        Assert.NotNull(claim);
        var logs = new ConcurrentQueue<string>();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new CollectingLoggerProvider(logs)));
        var options = RuntimeConnectionOptions.FromEnvironment(new Hashtable
        {
            ["AGENTSERVICE_URL"] = $"{dead},{fixture.Host.BaseAddress}",
            ["AGENTSERVICE_RUN_ID"] = claim.RunId,
            ["AGENTSERVICE_ATTEMPT_ID"] = claim.AttemptId,
            ["AGENTSERVICE_RUN_TOKEN"] = claim.Token,
        });
        options.LoggerFactory = loggers;
        options.ReconnectMaxDelay = TimeSpan.FromSeconds(1);
        using var stop = new CancellationTokenSource();
        await using var connection = await RuntimeConnection.ConnectAsync(options, stop.Token);
        Task running = AgentRuntime.RunAsync(new CheckpointingAgent(), connection, new AgentRuntimeOptions { Connection = options }, stop.Token);

        var step = await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps/{stepId}"),
            s => s.GetProperty("status").GetString() == "completed",
            TimeSpan.FromSeconds(30),
            "the step to finish");

        Assert.Equal("count 1", step.GetProperty("output").GetString());
        Assert.Equal(fixture.Host.BaseAddress, connection.ServiceUrl);
        Assert.Equal(0, connection.ConnectionEpoch);
        Assert.Contains(logs, l => l.StartsWith("RuntimeConnection 106 ", StringComparison.Ordinal) && l.Contains($"{dead}/", StringComparison.Ordinal) && l.Contains($"moving to {fixture.Host.BaseAddress}", StringComparison.Ordinal));
        var checkpoint = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events?limit=100")).GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("type").GetString() == "checkpoint.saved");
        Assert.True(checkpoint.GetProperty("data").TryGetProperty("stateRef", out _), "the state went over HTTP as an artifact");
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task NodeRestartsOnItsPort_AWorkerRunMovesThroughTheDeadNodeAndBackAndFinishesTheNextStep()
    {
        var port = FreePort();
        await using var fixture = await RuntimeFixture.StartAsync("", "--urls", $"http://127.0.0.1:{port}");
        var live = fixture.Host.BaseAddress;
        Assert.Equal(port, live.Port);
        var dead = new Uri($"http://127.0.0.1:{FreePort()}/");
        var logs = new ConcurrentQueue<string>();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new CollectingLoggerProvider(logs)));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var worker = new WorkerClient(http, new WorkerClientOptions
        {
            ServiceUrls = { dead, live },
            WaitSeconds = 2,
            WorkerId = "two-nodes",
            LoggerFactory = loggers,
            ConfigureConnection = o => o.ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        });
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync("workers", () => new CheckpointingAgent(), stop.Token);
        var taskId = await Api.CreateTaskAsync(fixture.Http, "count", Workers);
        var one = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"one"}""");
        Assert.Equal("count 1", one.GetProperty("output").GetString());
        Assert.Equal(live, worker.ServiceUrl);

        await fixture.Host.RestartAsync();

        Assert.Equal(live, fixture.Host.BaseAddress);
        var two = await Api.PostJsonAsync(fixture.Http, $"{Workers}/tasks/{taskId}/steps", """{"input":"two"}""");
        Assert.Equal("count 2", two.GetProperty("output").GetString());
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}");
        Assert.Equal(1, run.GetProperty("attempts").GetArrayLength());
        var events = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}/events?limit=100")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(2, events.Count(e => e.GetProperty("type").GetString() == "checkpoint.saved" && e.GetProperty("data").TryGetProperty("stateRef", out _)));
        Assert.Equal(1, events.Count(e => e.GetProperty("type").GetString() == "run.started"));

        // The run's connection (not only the worker's claims) lost the live node (1012), went on to the dead one, and
        // came back round to the live one.
        var moves = logs.Where(l => l.StartsWith("RuntimeConnection 106 ", StringComparison.Ordinal)).ToList();
        Assert.Contains(moves, l => l.Contains($"{live} could not be reached or dropped the connection; moving to {dead}", StringComparison.Ordinal));
        Assert.Contains(moves, l => l.Contains($"{dead} could not be reached or dropped the connection; moving to {live}", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.StartsWith("RuntimeConnection 100 ", StringComparison.Ordinal) && l.Contains("reconnect True", StringComparison.Ordinal));
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        Assert.Empty(fixture.Host.Errors);
    }
}
