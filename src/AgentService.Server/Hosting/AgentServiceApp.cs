using System.Data.Common;
using System.Net.Sockets;
using System.Reflection;
using AgentService.Server.Agents;
using AgentService.Server.Observability;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Hosting;

/// <summary>Builds the service from command-line arguments: the entry point of <c>Program</c>, <c>agentsvc serve</c> and the tests.</summary>
public static class AgentServiceApp
{
    public const string DefaultUrl = "http://127.0.0.1:8000";

    /// <summary>Command-line switches and the configuration keys they set.</summary>
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "AgentService:DataDir",
        ["--agents"] = "AgentService:AgentsFile",
        ["--max-upload-bytes"] = "AgentService:MaxUploadBytes",
        ["--step-wait"] = "AgentService:StepWaitSeconds",
        ["--auth"] = "AgentService:Auth:Mode",
        ["--allow-no-auth-on-network"] = "AgentService:Auth:AllowNoneOnNetwork",
    };

    /// <summary>Exit code when the configuration is invalid (options, agents file, a listen address without authentication).</summary>
    public const int ExitConfiguration = 2;

    /// <summary>Exit code when the service could not start where it runs (address in use, data directory not writable,
    /// database unreachable).</summary>
    public const int ExitEnvironment = 1;

    /// <summary>
    /// Runs the service until it is stopped (Ctrl+C, SIGTERM): the whole <c>Main</c> of the server and of
    /// <c>agentsvc serve</c>. Returns the exit code: 0 after a stop; when the service cannot start, one line on
    /// <paramref name="error"/> (<paramref name="prefix"/> and the reason, no stack trace) and
    /// <see cref="ExitConfiguration"/> or <see cref="ExitEnvironment"/>, instead of an unhandled exception that aborts the
    /// process. A failure that is neither (a bug) still surfaces as an unhandled exception with its stack trace.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter error, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        WebApplication app;
        try
        {
            app = Create(args);
        }
        catch (Exception ex) when (StartFailure(ex) is { } code)
        {
            await error.WriteLineAsync($"{prefix}{Reason(ex)}");
            return code;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (Exception ex) when (StartFailure(ex) is { } code)
            {
                // The hosted services that did start (sweepers, the launcher, the outbox) are stopped as on any stop, so
                // they end their loops before the services they use are disposed.
                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await app.StopAsync(stopping.Token);
                await error.WriteLineAsync($"{prefix}{Reason(ex)}");
                return code;
            }

            await app.WaitForShutdownAsync(cancellationToken);
        }

        return 0;
    }

    private static int? StartFailure(Exception ex) => Unwrap(ex) switch
    {
        OptionsValidationException or InvalidOperationException or FormatException => ExitConfiguration,
        IOException or UnauthorizedAccessException or SocketException or DbException => ExitEnvironment,
        _ => null,
    };

    private static Exception Unwrap(Exception ex) => ex switch
    {
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        AggregateException { InnerExceptions: [var only] } => Unwrap(only),
        _ => ex,
    };

    /// <summary>The exception's message on one line; an inner exception's too when the outer one does not already say it.</summary>
    private static string Reason(Exception ex)
    {
        var outer = Unwrap(ex);
        var reason = outer.Message;
        if (outer.InnerException is { } inner && !reason.Contains(inner.Message, StringComparison.OrdinalIgnoreCase))
        {
            reason = $"{reason.TrimEnd('.')}: {inner.Message}";
        }

        return reason.ReplaceLineEndings(" ");
    }

    /// <summary>Creates the configured application; <paramref name="configure"/> may adjust the builder (tests).</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the app's own directory, so its appsettings.json is found from any working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(SwitchMappings));
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddAgentService(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();

        // Options are validated before anything is opened or written (the data directory, the database), so an invalid
        // one, or one the service does not know (a misspelling would otherwise leave the default in force), is one line
        // and leaves no trace, not also the host's error log with a stack trace.
        SettingNames.Check(app.Configuration);
        app.Services.GetService<IStartupValidator>()?.Validate();
        Security.AuthInitializer.CheckBinding(app.Configuration, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentService.Security"));
        app.MapAgentService();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var options = app.Services.GetRequiredService<IOptions<AgentServiceOptions>>().Value;
            var agents = app.Services.GetRequiredService<AgentCatalog>();
            Log.Started(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentService"),
                Path.GetFullPath(options.DataDir), agents.All.Count, agents.Default.Id);
        });
        return app;
    }
}
