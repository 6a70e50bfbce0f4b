using AgentService.Server.Observability;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>Every <see cref="GatewayOptions.SweepInterval"/>, marks offline the registered agents whose last heartbeat is
/// older than <see cref="GatewayOptions.HeartbeatTimeout"/> (by the injected <see cref="TimeProvider"/>). Agents of the
/// agents file are hosted by the service and are not swept.</summary>
internal sealed class HeartbeatSweeper(
    IGatewayAgentStore agents,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    IStorageHealth storage,
    ILogger<HeartbeatSweeper> logger) : BackgroundService
{
    private readonly OutageLog _outage = new("the gateway heartbeat sweep", storage, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.SweepInterval, time);
        try
        {
            do
            {
                await SweepAsync(settings.HeartbeatTimeout, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task SweepAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var offline = await agents.MarkStaleOfflineAsync(time.GetUtcNow() - timeout, cancellationToken);
            if (offline.Count > 0)
            {
                Log.AgentsWentOffline(logger, offline.Count, string.Join(", ", offline));
            }

            _outage.Succeeded();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (!_outage.Failed(ex))
            {
                Log.SweepFailed(logger, ex);
            }
        }
    }
}
