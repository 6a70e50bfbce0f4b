using System.Text.Json;
using System.Threading.Channels;
using AgentService.Protocol.Ids;
using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Runs.BuiltIn;

/// <summary>
/// Runs steps on agents inside the server process: a queue drained by a fixed number of workers. Each step is
/// marked <c>running</c>, executed, and completed with its artifacts in one commit; then its waiter is woken.
/// Steps left unfinished by a stop or crash are picked up again at start.
/// </summary>
internal sealed class BuiltInStepExecutor(
    IStepStore steps,
    IBlobStore blobs,
    StepNotifier notifier,
    IOptions<AgentServiceOptions> options,
    ILogger<BuiltInStepExecutor> logger) : IStepExecutor, IHostedService, IDisposable
{
    private const int ResumeBatch = 10_000;

    private readonly Channel<StepWork> _queue = Channel.CreateUnbounded<StepWork>();
    private readonly EchoAgent _echo = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _workers = [];

    public ValueTask ScheduleAsync(StepWork work, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(work, cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _workers = Enumerable.Range(0, options.Value.BuiltInConcurrency).Select(_ => Task.Run(WorkAsync, CancellationToken.None)).ToArray();
        var unfinished = await steps.ListUnfinishedAsync(ResumeBatch, cancellationToken);
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
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task WorkAsync()
    {
        var token = _stopping.Token;
        try
        {
            await foreach (var work in _queue.Reader.ReadAllAsync(token))
            {
                await RunAsync(work, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping: what is left stays pending in the store and is resumed at the next start.
        }
    }

    private async Task RunAsync(StepWork work, CancellationToken cancellationToken)
    {
        try
        {
            // Nothing is acknowledged on 'running', so it is not awaited: it is ordered before the completion by the
            // store's writer and usually shares its commit.
            var running = steps.MarkRunningAsync(work.Step.StepId, cancellationToken);
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
            foreach (var file in outcome.Files ?? [])
            {
                await using var content = new MemoryStream(file.Content.ToArray(), writable: false);
                var blob = await blobs.PutAsync(content, options.Value.MaxUploadBytes, cancellationToken);
                artifacts.Add(new NewArtifact(TypeId.New(IdPrefixes.Artifact), work.Task.TaskId, work.Step.StepId, file.FileName, file.RelativePath, AgentCreated: true, blob));
            }

            var completion = new StepCompletion(work.Step.StepId, outcome.Name, outcome.Output, outcome.AdditionalOutputJson, outcome.IsLast, artifacts);
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

    private static string ErrorOutput(Exception ex)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("type", "agent_error");
            writer.WriteString("message", ex.Message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
