using System.Collections.Concurrent;
using AgentService.Server.Hosting;
using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary>
/// Notifications of step completion, for requests that wait on a step (POST step). A waiter registers before the
/// step is scheduled, so a completion can never slip between the two. A completion with no waiter here goes to the
/// other nodes (<see cref="IClusterBroadcast"/>): the request may wait on one of them.
/// </summary>
internal sealed class StepNotifier(IClusterBroadcast? cluster = null)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CompletedStep>> _waiters = new(StringComparer.Ordinal);

    /// <summary>Starts listening for the completion of <paramref name="stepId"/>.</summary>
    public Waiter Listen(string stepId)
    {
        var completion = _waiters.GetOrAdd(stepId, static _ => new TaskCompletionSource<CompletedStep>(TaskCreationOptions.RunContinuationsAsynchronously));
        return new Waiter(this, stepId, completion);
    }

    /// <summary>Wakes whoever waits on the step, here or on another node.</summary>
    public void Publish(CompletedStep completed)
    {
        Observability.ServiceTelemetry.StepsCompleted.Add(1, new KeyValuePair<string, object?>("status", completed.Step.Status));
        if (!Complete(completed))
        {
            cluster?.Send(new ClusterSignal(ClusterSignalKind.Step, completed.Step.TaskId, completed.Step.StepId));
        }
    }

    /// <summary>Whether a request here waits on the step.</summary>
    public bool IsWaiting(string stepId) => _waiters.ContainsKey(stepId);

    /// <summary>Completes the wait on the step here, if any (also with a step another node completed, read back
    /// from the store); <c>false</c> when nobody here waits on it.</summary>
    public bool Complete(CompletedStep completed)
    {
        if (!_waiters.TryRemove(completed.Step.StepId, out var completion))
        {
            return false;
        }

        completion.TrySetResult(completed);
        return true;
    }

    /// <summary>One registration; disposing it stops listening.</summary>
    internal sealed class Waiter(StepNotifier notifier, string stepId, TaskCompletionSource<CompletedStep> completion) : IDisposable
    {
        /// <summary>The completed step, or <c>null</c> when <paramref name="timeout"/> passes first.</summary>
        public async Task<CompletedStep?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (timeout <= TimeSpan.Zero)
            {
                return completion.Task.IsCompletedSuccessfully ? completion.Task.Result : null;
            }

            try
            {
                return await completion.Task.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }

        public void Dispose() => notifier._waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource<CompletedStep>>(stepId, completion));
    }
}
