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
