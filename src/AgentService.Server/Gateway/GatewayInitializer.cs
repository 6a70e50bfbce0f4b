using AgentService.Server.Observability;
using AgentService.Server.Storage;

namespace AgentService.Server.Gateway;

/// <summary>At start, before the dispatcher: releases deliveries left in flight by the last stop (so they are pushed
/// again) and puts the agents of the agents file into the registry as hosted agents.</summary>
internal sealed class GatewayInitializer(
    GatewayService service,
    IGatewayAgentStore agents,
    IGatewayMessageStore messages,
    TimeProvider time,
    Security.SecretProtector protector,
    ILogger<GatewayInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var released = await messages.ReleaseLeasesAsync(now, cancellationToken);
        if (released > 0)
        {
            Log.LeasesReleased(logger, released);
        }

        await agents.SeedHostedAsync(service.HostedAgentCards(), () => protector.Protect(WebhookSecrets.New()), now, cancellationToken);

        // Agents registered through the gateway before this start can run tasks again (through workers).
        foreach (var agent in await agents.ListAsync(null, onlineOnly: false, cancellationToken))
        {
            service.AddToCatalog(agent.Card);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
