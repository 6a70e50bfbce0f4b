using AgentService.Server.Errors;
using AgentService.Server.Observability;
using AgentService.Server.Runs;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Interactions;

/// <summary>
/// Resolves interactions as the service: stores the response delivery and the <c>interaction.resolved</c> event in one
/// transaction, then wakes the run's session, its live readers and, when no runtime is attached, the launcher.
/// </summary>
internal sealed class InteractionService(IRunStore runs, IRunModelStore model, RuntimeSignals signals, RuntimeLauncher launcher, ILogger<InteractionService> logger)
{
    public async Task<InteractionResolveResult> ResolveAsync(InteractionResolution resolution, CancellationToken cancellationToken)
    {
        var result = await model.ResolveInteractionAsync(resolution, cancellationToken);
        await Task.Yield(); // Off the store's writer thread before anything else.
        if (!result.Found)
        {
            throw ServiceException.NotFound($"Unable to find interaction '{resolution.InteractionId}' of run '{resolution.RunId}'.");
        }

        if (result.AlreadyResolved)
        {
            throw new ServiceException(ErrorCode.Conflict, $"Interaction {resolution.InteractionId} is already resolved ({result.Interaction!.Outcome}).");
        }

        if (result.RunFinished)
        {
            throw new ServiceException(ErrorCode.Conflict, $"Run {resolution.RunId} is already finished.");
        }

        Log.InteractionResolved(logger, resolution.RunId, resolution.InteractionId, resolution.Outcome);
        signals.EventsAppended(resolution.RunId);
        signals.DeliveriesAvailable(resolution.RunId);
        if (await runs.GetRunAsync(resolution.RunId, cancellationToken) is { } run)
        {
            signals.WorkAvailable(run.AgentId);
        }

        await launcher.EnsureRuntimeAsync(resolution.RunId, cancellationToken);
        return result;
    }
}
