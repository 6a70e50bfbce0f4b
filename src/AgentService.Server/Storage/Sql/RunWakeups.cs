using System.Threading.Channels;

namespace AgentService.Server.Storage.Sql;

/// <summary>
/// Runs a committed write must wake, though no caller of the write knows of them: a sub-run whose dependencies
/// completed (its <c>task.start</c> became pending), a parent woken by a child that the write ended, a run the service
/// ended (its stream's readers). Store
/// code runs inside the write and must not act outside the database, so it notes them
/// (<see cref="SqlCommands.WakeAfterCommit"/>); the database publishes them here after the commit, and
/// <see cref="Runs.RunWakeupDispatcher"/> wakes the runtime that holds each (on any node) or starts one.
/// </summary>
internal sealed class RunWakeups
{
    private readonly Channel<string> _runs = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<string> Reader => _runs.Reader;

    public void Publish(List<string>? runIds)
    {
        foreach (var runId in runIds ?? [])
        {
            _runs.Writer.TryWrite(runId);
        }
    }
}
