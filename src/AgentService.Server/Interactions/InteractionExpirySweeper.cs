using AgentService.Server.Observability;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Interactions;

/// <summary>
/// Every <see cref="RuntimeOptions.SweepIntervalSeconds"/>, resolves the pending interactions whose <c>expiresAt</c>
/// passed on the injected <see cref="TimeProvider"/>: <c>interaction.resolved(expired)</c>, and the runtime gets the
/// default outcome of <c>onExpiry</c> — <c>deny</c>: denied; <c>continue</c>: approved; <c>cancel_run</c>: cancelled,
/// followed by a <c>cancel</c> of the run.
/// </summary>
internal sealed class InteractionExpirySweeper(IRunModelStore model, InteractionService interactions, TimeProvider time, IOptions<RuntimeOptions> options,
    IStorageHealth storage, ILogger<InteractionExpirySweeper> logger) : BackgroundService
{
    public const string ResolvedByTimeout = """{"type":"timeout"}""";

    private readonly OutageLog _outage = new("the interaction expiry sweep", storage, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, time, stoppingToken);
            try
            {
                await SweepAsync(stoppingToken);
                _outage.Succeeded();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (!_outage.Failed(ex))
                {
                    Log.InteractionSweepFailed(logger, ex);
                }
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var expired in await model.ListExpiredInteractionsAsync(time.GetUtcNow(), 100, cancellationToken))
        {
            var delivered = expired.OnExpiry switch
            {
                "continue" => "approved",
                "cancel_run" => "cancelled",
                _ => "denied",
            };
            try
            {
                await interactions.ResolveAsync(
                    new InteractionResolution(expired.RunId, expired.InteractionId, "expired", delivered, null, "expired", ResolvedByTimeout, expired.OnExpiry == "cancel_run"),
                    cancellationToken);
            }
            catch (Errors.ServiceException)
            {
                // Resolved meanwhile, or its run finished: nothing left to do for it.
            }
        }
    }
}
