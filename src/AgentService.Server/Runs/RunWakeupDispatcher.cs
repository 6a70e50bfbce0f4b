using AgentService.Server.Observability;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;
using AgentService.Server.Storage.Sql;

namespace AgentService.Server.Runs;

/// <summary>
/// Wakes what waits on the runs a committed write noted (<see cref="RunWakeups"/>): their event streams' readers, the
/// session holding the run, which sends its new deliveries (here, or on the node that holds it), waiting workers, and
/// a launch-mode agent gets a runtime process when none holds the run. A wake-up lost to a crash is not lost work: the
/// deliveries are stored, and the restart's scan for pending work (<see cref="RuntimeLauncher"/>), the runtime's next
/// attach or a worker's next claim sends them.
/// </summary>
internal sealed class RunWakeupDispatcher(RunWakeups wakeups, IRunStore runs, RuntimeSignals signals, RuntimeLauncher launcher, ILogger<RunWakeupDispatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var runId in wakeups.Reader.ReadAllAsync(stoppingToken))
        {
            signals.EventsAppended(runId);
            signals.DeliveriesAvailable(runId);

            // Starting a runtime reads the store: when it is unreachable for a moment, try again (1, 2, 4, 8 s), since
            // nothing else would start one for this run before more input comes or the node restarts.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    if (await runs.GetRunAsync(runId, stoppingToken) is { } run && !RunStatus.IsTerminal(run.Status))
                    {
                        Log.RunWoken(logger, runId, run.Status);
                        signals.WorkAvailable(run.AgentId);
                        await launcher.EnsureRuntimeAsync(runId, stoppingToken);
                    }

                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    if (attempt == 5)
                    {
                        Log.RunWakeFailed(logger, runId, ex);
                        break;
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1 << (attempt - 1)), stoppingToken);
                }
            }
        }
    }
}
