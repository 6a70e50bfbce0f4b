using System.Collections.Concurrent;
using AgentService.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentService.Tests.Common;

/// <summary>
/// The real service on Kestrel at a free loopback port, over a data directory that outlives restarts. Errors the
/// server logs are collected, so a test can assert that none happened (warnings too, for the tests that expect one).
/// Without an agents file the default agent is the built-in in-process echo (<c>AgentService:DefaultAgent=builtin</c>),
/// so tests that do not test the default agent start no process per run; <see cref="StartDefaultAsync"/> starts the
/// service as it starts by default, with the EchoAgent runtime process.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private readonly bool _ownsDataDir;
    private readonly Action<WebApplicationBuilder>? _configure;
    private readonly string[]? _storageArgs;
    private WebApplication? _app;

    /// <summary>Set before the first start: this host keeps the service's own default agent (no builtin switch).</summary>
    private bool _defaultAgent;

    private ServiceHost(string dataDir, bool ownsDataDir, string[] extraArgs, Action<WebApplicationBuilder>? configure = null, string[]? storageArgs = null)
    {
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        _extraArgs = extraArgs;
        _configure = configure;
        _storageArgs = storageArgs;
    }

    public string DataDir { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>The warnings the server logged.</summary>
    public ConcurrentQueue<string> Warnings { get; } = new();

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("Not running.");

    /// <summary>Starts a service on a new data directory (or <paramref name="dataDir"/>) with extra command-line arguments.</summary>
    public static async Task<ServiceHost> StartAsync(string? dataDir = null, params string[] extraArgs)
    {
        var host = new ServiceHost(dataDir ?? NewDataDir(), dataDir is null, extraArgs);
        await host.StartCoreAsync();
        return host;
    }

    /// <summary>Starts the service with its own default agent (no agents file: the EchoAgent runtime launched as a process
    /// per run), on a new data directory (or <paramref name="dataDir"/>), with extra command-line arguments.</summary>
    public static async Task<ServiceHost> StartDefaultAsync(string? dataDir = null, params string[] extraArgs)
    {
        var host = new ServiceHost(dataDir ?? NewDataDir(), dataDir is null, extraArgs) { _defaultAgent = true };
        await host.StartCoreAsync();
        return host;
    }

    /// <summary>Starts a service whose builder <paramref name="configure"/> adjusts on every start (e.g. to replace the
    /// <see cref="TimeProvider"/>), on a new data directory (or <paramref name="dataDir"/>), with extra arguments.</summary>
    public static async Task<ServiceHost> StartConfiguredAsync(Action<WebApplicationBuilder> configure, string? dataDir = null, params string[] extraArgs)
    {
        var host = new ServiceHost(dataDir ?? NewDataDir(), dataDir is null, extraArgs, configure);
        await host.StartCoreAsync();
        return host;
    }

    /// <summary>Starts one node of several on the PostgreSQL database <paramref name="postgres"/> (shared with the other
    /// nodes), with a data directory of its own.</summary>
    public static async Task<ServiceHost> StartNodeAsync(string postgres, params string[] extraArgs)
    {
        var host = new ServiceHost(NewDataDir(), ownsDataDir: true, extraArgs, storageArgs: [$"--AgentService:Storage:Postgres={postgres}"]);
        await host.StartCoreAsync();
        return host;
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Stops the server gracefully and starts it again on the same data directory (and a new port).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartCoreAsync();
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDataDir)
        {
            if (_storageArgs is null)
            {
                await TestStorage.DropAsync(DataDir);
            }

            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>True when this run of the suite uses PostgreSQL (see <see cref="TestStorage"/>).</summary>
    public static bool UsesPostgres => TestStorage.UsesPostgres;

    /// <summary>Runs SQL (with <c>@name</c> parameters) directly against this host's database, SQLite or PostgreSQL.</summary>
    public Task<object?> ExecuteSqlAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null) =>
        TestStorage.ExecuteAsync(DataDir, sql, parameters);

    private async Task StartCoreAsync()
    {
        string[] agentArgs = _defaultAgent ? [] : ["--AgentService:DefaultAgent=builtin"];
        string[] args = ["--urls", "http://127.0.0.1:0", "--data-dir", DataDir, .. agentArgs, .. _storageArgs ?? TestStorage.ServerArgs(DataDir), .. _extraArgs];
        _app = AgentServiceApp.Create(args, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddProvider(new CollectingLoggerProvider(Errors, Warnings));
            _configure?.Invoke(builder);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    internal static string NewDataDir() => Path.Combine(Path.GetTempPath(), "agentservice-tests", Guid.NewGuid().ToString("N"));

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> errors, ConcurrentQueue<string> warnings) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CollectingLogger(categoryName, errors, warnings);

        public void Dispose()
        {
        }
    }

    private sealed class CollectingLogger(string category, ConcurrentQueue<string> errors, ConcurrentQueue<string> warnings) : ILogger
    {
        private static readonly Lock ErrorLogLock = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                warnings.Enqueue($"{category}[{eventId.Id}]: {formatter(state, exception)}");
            }

            if (logLevel >= LogLevel.Error)
            {
                var line = $"{category}: {formatter(state, exception)} {exception}";
                errors.Enqueue(line);
                if (Environment.GetEnvironmentVariable("AGENTSERVICE_TEST_ERROR_LOG") is { Length: > 0 } path)
                {
                    // For a developer (or ./test.sh after a failed run) chasing a failure: the whole text, which
                    // assertion messages cut short. One writer at a time; a log that cannot be written is skipped.
                    lock (ErrorLogLock)
                    {
                        try
                        {
                            File.AppendAllText(path, $"{DateTime.UtcNow:O} {line}{Environment.NewLine}");
                        }
                        catch (IOException)
                        {
                        }
                    }
                }
            }
        }
    }
}
