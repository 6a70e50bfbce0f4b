using AgentService.Protocol.Json;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Gateway;
using AgentService.Server.Runs;
using AgentService.Server.Runs.BuiltIn;
using AgentService.Server.Storage;
using AgentService.Server.Storage.Blobs;
using AgentService.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Hosting;

/// <summary><c>AddAgentService</c> registers the services; <c>MapAgentService</c> maps every API.</summary>
public static class AgentServiceExtensions
{
    public static IServiceCollection AddAgentService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentServiceOptions>().Bind(configuration.GetSection(AgentServiceOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentServiceOptions>, AgentServiceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProtocolJsonContext.Wire));

        services.TryAddSingleton<AgentCatalog>();

        services.TryAddSingleton<SqliteDatabase>();
        services.TryAddSingleton<IStorageHealth>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.TryAddSingleton<ITaskStore, SqliteTaskStore>();
        services.TryAddSingleton<IStepStore, SqliteStepStore>();
        services.TryAddSingleton<IArtifactStore, SqliteArtifactStore>();
        services.TryAddSingleton<IBlobStore, FileBlobStore>();

        services.TryAddSingleton<StepNotifier>();
        services.TryAddSingleton<BuiltInStepExecutor>();
        services.TryAddSingleton<IStepExecutor>(sp => sp.GetRequiredService<BuiltInStepExecutor>());
        services.AddHostedService(sp => sp.GetRequiredService<BuiltInStepExecutor>());

        services.TryAddSingleton<AgentProtocolService>();
        services.AddGateway(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapAgentService(this WebApplication app)
    {
        if (app.Services.GetService<AgentProtocolService>() is null)
        {
            throw new InvalidOperationException("Call services.AddAgentService() before app.MapAgentService().");
        }

        // Resolve the catalog now so a bad agents file stops the start with its message.
        _ = app.Services.GetRequiredService<AgentCatalog>();
        // Likewise a webhook URL of the agents file that the gateway refuses.
        _ = app.Services.GetRequiredService<GatewayService>().HostedAgentCards();
        // The error edge wraps routing, so unknown routes and wrong methods get JSON bodies too.
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseRouting();
        app.MapHealth();
        app.MapAgentProtocol();
        app.MapGateway();
        return app;
    }
}
