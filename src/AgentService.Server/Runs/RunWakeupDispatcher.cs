using AgentService.Server.Observability;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;
using AgentService.Server.Storage.Sql;

namespace AgentService.Server.Runs;

/// <summary>
/// Wakes what waits on the runs a committed write noted (<see cref="RunWakeups"/>): their event streams' readers, the
/// session holding the run, which sends its new deliveries (here, or on the node that holds it), waiting workers, and
/// a launch-mode agent gets a runtime process when none holds the run. A wake-up lost to a crash is not lost work: the deliveries are
/// stored, and a restart's scan for pending work (<see cref="RuntimeLauncher"/>) or the runtime's next attach sends them.
/// </summary>
internal sealed class RunWakeupDispatcher(RunWakeups wakeups, IRunStore runs, RuntimeSignals signals, RuntimeLauncher launcher, ILogger<RunWakeupDispatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var runId in wakeups.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                signals.EventsAppended(runId);
                signals.DeliveriesAvailable(runId);
                if (await runs.GetRunAsync(runId, stoppingToken) is { } run && !RunStatus.IsTerminal(run.Status))
                {
                    Log.RunWoken(logger, runId, run.Status);
                    signals.WorkAvailable(run.AgentId);
                    await launcher.EnsureRuntimeAsync(runId, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Log.RunWakeFailed(logger, runId, ex);
            }
        }
    }
}
