using AgentService.Server.Storage;
using AgentService.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>Registers the Gateway: options, stores, the push client and the background workers.</summary>
internal static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());

        services.TryAddSingleton<IGatewayAgentStore, SqliteGatewayAgentStore>();
        services.TryAddSingleton<IGatewayMessageStore, SqliteGatewayMessageStore>();
        services.TryAddSingleton<WebhookUrlPolicy>();
        services.TryAddSingleton<WebhookClient>();
        services.TryAddSingleton<DeliverySignal>();
        services.TryAddSingleton<GatewayService>();

        // In this order: the initializer releases old leases and seeds the registry before the dispatcher takes work.
        services.AddHostedService<GatewayInitializer>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddHostedService<HeartbeatSweeper>();
        return services;
    }
}
