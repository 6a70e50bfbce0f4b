using System.Text.Json;
using System.Collections.Concurrent;
using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Ids;
using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Runs.BuiltIn;

/// <summary>
/// Runs steps on agents inside the server process. A scheduled step starts at once on the caller's thread (up to the
/// configured concurrency; beyond it, steps wait in a queue that finishing runs drain), so the common path has no
/// hand-off between threads. Each step is marked <c>running</c>, executed, and completed with its artifacts; then
/// its waiter is woken. Steps left unfinished by a stop or crash are picked up again at start. A step posted through
/// the Agent Protocol does not take that path: built-in agents answer at once, so it runs before it is stored and is
/// stored completed in one commit (<see cref="RunNowAsync"/>) — nothing is acknowledged before that commit.
/// </summary>
internal sealed class BuiltInStepExecutor(
    IStepStore steps,
    IBlobStore blobs,
    Agents.AgentCatalog agents,
    StepNotifier notifier,
    TimeProvider time,
    IOptions<AgentServiceOptions> options,
    ILogger<BuiltInStepExecutor> logger) : IStepExecutor, IHostedService, IDisposable
{
    private const int ResumeBatch = 10_000;

    private readonly ConcurrentQueue<StepWork> _waiting = new();
    private readonly ConcurrentDictionary<Task, byte> _runners = new();
    private readonly EchoAgent _echo = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _active;

    public ValueTask TaskCreatedAsync(TaskRecord task, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async Task<StepRecord?> SubmitAsync(TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        if (await steps.CreateAsync(stepId, task.TaskId, input, additionalInput, cancellationToken) is not { } step)
        {
            return null;
        }

        // The step is committed: from here on it runs even if the caller goes away.
        await ScheduleAsync(new StepWork(task, step), CancellationToken.None);
        return step;
    }

    private ValueTask ScheduleAsync(StepWork work, CancellationToken cancellationToken)
    {
        // After stop the step simply stays pending in the store; the next start resumes it.
        if (!_stopping.IsCancellationRequested)
        {
            _waiting.Enqueue(work);
            StartRunners();
        }

        return ValueTask.CompletedTask;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Only steps of built-in agents are ours. Those of agents with a runtime are resent to their runtimes; those of
        // an agent registered through the gateway wait for its workers.
        var builtIn = agents.All.Where(a => a.Runtime is null).Select(a => a.Id).ToList();
        IReadOnlyList<(StepRecord Step, TaskRecord Task)> unfinished = builtIn.Count == 0 ? [] : await steps.ListUnfinishedAsync(builtIn, ResumeBatch, cancellationToken);
        if (unfinished.Count > 0)
        {
            Log.ResumingSteps(logger, unfinished.Count);
        }

        foreach (var (step, task) in unfinished)
        {
            await ScheduleAsync(new StepWork(task, step), cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_runners.Keys).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Starts runners while there is waiting work and room under the concurrency limit.</summary>
    private void StartRunners()
    {
        while (!_waiting.IsEmpty)
        {
            if (Interlocked.Increment(ref _active) > options.Value.BuiltInConcurrency)
            {
                Interlocked.Decrement(ref _active);
                return;
            }

            if (!_waiting.TryDequeue(out var work))
            {
                Interlocked.Decrement(ref _active);
                return;
            }

            var runner = RunThenDrainAsync(work);
            if (!runner.IsCompleted)
            {
                _runners.TryAdd(runner, 0);
                _ = runner.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _),
                    _runners, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task RunThenDrainAsync(StepWork work)
    {
        var token = _stopping.Token;
        var current = work;
        while (true)
        {
            await RunAsync(current, token);
            if (token.IsCancellationRequested || !_waiting.TryDequeue(out current!))
            {
                break;
            }
        }

        Interlocked.Decrement(ref _active);

        // Work queued while this runner was finishing must not be stranded.
        if (!token.IsCancellationRequested)
        {
            StartRunners();
        }
    }

    /// <summary>Built-in agents answer at once, so a new step runs before it is stored and costs one commit.</summary>
    public bool RunsNow(TaskRecord task) => !_stopping.IsCancellationRequested;

    public async Task<CompletedStep?> RunNowAsync(TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        // The step as it will be stored; its position is given by the store, and no agent reads it.
        var now = time.GetUtcNow();
        var step = new StepRecord(stepId, task.TaskId, 0, input, additionalInput, null, StepStatus.Created, null, null, false, now, now);
        var completion = await ExecuteAsync(new StepWork(task, step), cancellationToken);
        return await steps.CreateCompletedAsync(task.TaskId, input, additionalInput, completion, cancellationToken);
    }

    private async Task RunAsync(StepWork work, CancellationToken cancellationToken)
    {
        try
        {
            // Nothing is acknowledged on 'running', so it is not awaited: it is ordered before the completion by the
            // store's writer and usually shares its commit.
            var running = steps.MarkRunningAsync(work.Step.StepId, cancellationToken);
            var completion = await ExecuteAsync(work, cancellationToken);
            var completedTask = steps.CompleteAsync(completion, cancellationToken);
            await running;
            if (await completedTask is { } completed)
            {
                notifier.Publish(completed);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StepNotRecorded(logger, work.Step.StepId, ex);
        }
    }

    /// <summary>Runs the step on its agent and stores the files it created as blobs: the completion to record.</summary>
    private async Task<StepCompletion> ExecuteAsync(StepWork work, CancellationToken cancellationToken)
    {
        StepOutcome outcome;
        try
        {
            outcome = await _echo.ExecuteStepAsync(work, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.StepFailed(logger, work.Step.StepId, work.Task.TaskId, work.Task.AgentId, ex);
            outcome = new StepOutcome(null, IsLast: true, AdditionalOutputJson: ErrorOutput(ex));
        }

        var artifacts = new List<NewArtifact>();
        if (outcome.Files is { Count: > 0 })
        {
            // This may run as the continuation of a store write (on its writer): blob I/O and fsync go elsewhere.
            await Task.Yield();
        }

        foreach (var file in outcome.Files ?? [])
        {
            await using var content = new MemoryStream(file.Content.ToArray(), writable: false);
            var blob = await blobs.PutAsync(content, options.Value.MaxUploadBytes, cancellationToken);
            artifacts.Add(new NewArtifact(TypeId.New(IdPrefixes.Artifact), work.Task.TaskId, work.Step.StepId, file.FileName, file.RelativePath, AgentCreated: true, blob));
        }

        return new StepCompletion(work.Step.StepId, outcome.Name, outcome.Output, outcome.AdditionalOutputJson, outcome.IsLast, artifacts);
    }

    private static string ErrorOutput(Exception ex) => Json.JsonText.Object(w =>
    {
        w.WriteStartObject("error");
        w.WriteString("type", "agent_error");
        w.WriteString("message", ex.Message);
        w.WriteEndObject();
    });
}
