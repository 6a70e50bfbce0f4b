using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Inputs;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;

namespace AgentService.Runtime.Hosting;

/// <summary>The <see cref="IRunContext"/> of the main run (or of a local sub-run) under <see cref="AgentRuntime"/>.</summary>
internal sealed partial class RunContext(IRuntimeConnection connection, string? subRunId = null, string? subRunAttemptId = null) : IRunContext
{
    public string RunId => subRunId ?? connection.RunId;

    public string AttemptId => subRunAttemptId ?? connection.AttemptId;

    public string SessionId => connection.SessionId;

    public string? ConfigVersion => connection.ConfigVersion;

    public TaskStartPayload? Task { get; set; }

    public RunResumePayload? ResumePayload { get; set; }

    public InputDelivery? CurrentDelivery { get; set; }

    public string? CurrentStepId { get; set; }

    public CancellationToken WorkToken { get; set; }

    public IRuntimeConnection Connection => connection;

    private readonly ConcurrentDictionary<string, TaskCompletionSource<InteractionResponsePayload>> _interactions = new(StringComparer.Ordinal);

    /// <summary>Checkpoints saved during the current step, published with its step.finished.</summary>
    private readonly List<OutputEventDraft> _stepCheckpoints = [];

    /// <summary>A <c>run.finished</c> the agent published during the current step (and anything after it), published
    /// after the step's step.finished: the run's last event must come after its last step's.</summary>
    private readonly List<OutputEventDraft> _stepRunEnd = [];

    /// <summary>True while the host runs a step's handler (until it publishes the step's step.finished).</summary>
    internal bool InStep { get; set; }

    /// <summary>The attempt a local sub-run is in: 1, or later once taken over from an earlier attempt of its host.</summary>
    internal int AttemptNumber { get; set; } = 1;

    /// <summary>Highest sequence of a run input whose handling ended (or the resume cursor).</summary>
    public long HandledSequence { get; set; }

    public long InputCursor => Math.Max(HandledSequence, CurrentDelivery is { Sequence: { } sequence } delivery && delivery.RunId == RunId ? sequence : 0);

    /// <summary>Uploads and downloads the run's artifacts (large checkpoint state); null without connection options.</summary>
    public RunArtifacts? Artifacts { get; init; }

    public async Task<Checkpoint> SaveCheckpointAsync(JsonElement state, string reason = "step_boundary", string stateSchemaVersion = "1", CancellationToken cancellationToken = default)
    {
        var checkpointId = TypeId.New("ckpt");
        var bytes = System.Text.Encoding.UTF8.GetBytes(state.GetRawText());
        ArtifactRef? stateRef = null;
        if (bytes.Length > OutputEvents.MaxInlineStateBytes)
        {
            var artifacts = Artifacts ?? throw new InvalidOperationException(
                $"State over {OutputEvents.MaxInlineStateBytes} bytes is stored as an artifact, which needs the service URL and run token of the connection options.");
            stateRef = await artifacts.UploadAsync(RunId, bytes, $"{checkpointId}.json", cancellationToken).ConfigureAwait(false);
        }

        var checkpoint = new Checkpoint
        {
            CheckpointId = checkpointId,
            StateSchemaVersion = stateSchemaVersion,
            State = stateRef is null ? state.Clone() : null,
            StateRef = stateRef,
            InputCursor = checked((int)InputCursor),
            Reason = reason,
        };
        var saved = OutputEvents.CheckpointSaved(checkpoint);
        if (CurrentStepId is not null && CurrentDelivery is { } delivery && delivery.RunId == RunId)
        {
            // The cursor includes the step's own input: stored before the step's step.finished, a crash in between would
            // resume after a step that never finished (its output lost for good). It goes in step.finished's batch.
            lock (_stepCheckpoints)
            {
                _stepCheckpoints.Add(saved);
            }

            return checkpoint;
        }

        await PublishAsync([saved], cancellationToken).ConfigureAwait(false);
        return checkpoint;
    }

    /// <summary>The checkpoints saved during the current step, then the run's end the agent published in it (to publish
    /// after its step.finished, in that batch), emptied.</summary>
    public OutputEventDraft[] TakeStepCheckpoints()
    {
        lock (_stepCheckpoints)
        {
            OutputEventDraft[] held = [.. _stepCheckpoints, .. _stepRunEnd];
            _stepCheckpoints.Clear();
            _stepRunEnd.Clear();
            return held;
        }
    }

    public async Task<ArtifactRef> CreateArtifactAsync(string fileName, ReadOnlyMemory<byte> content, string? description = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var artifacts = Artifacts ?? throw new InvalidOperationException("Creating an artifact needs the service URL and run token of the connection options.");
        var stored = await artifacts.UploadAsync(RunId, content, fileName, cancellationToken).ConfigureAwait(false);
        await PublishAsync([OutputEvents.ArtifactCreated(new ArtifactCreatedData
        {
            Artifact = stored,
            Description = description,
            Producer = CurrentStepId is { } stepId ? new ArtifactProducer { StepId = stepId } : null,
        })], cancellationToken).ConfigureAwait(false);
        return stored;
    }

    public async Task<JsonElement?> LoadCheckpointAsync(CancellationToken cancellationToken = default)
    {
        switch (ResumePayload?.Checkpoint)
        {
            case { State: { } state }:
                return state;
            case { StateRef: { } stateRef }:
                var artifacts = Artifacts ?? throw new InvalidOperationException("The checkpoint's state is an artifact, which needs the service URL and run token of the connection options.");
                var bytes = await artifacts.DownloadAsync(RunId, stateRef.ArtifactId, cancellationToken).ConfigureAwait(false);
                using (var document = JsonDocument.Parse(bytes))
                {
                    return document.RootElement.Clone();
                }

            default:
                return null;
        }
    }

    public async Task<InteractionResponsePayload> RequestInteractionAsync(InteractionRequestedData request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var waiter = new TaskCompletionSource<InteractionResponsePayload>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_interactions.TryAdd(request.InteractionId, waiter))
        {
            throw new InvalidOperationException($"Interaction {request.InteractionId} is already awaited.");
        }

        try
        {
            await PublishAsync([OutputEvents.InteractionRequested(request)], cancellationToken).ConfigureAwait(false);
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _interactions.TryRemove(request.InteractionId, out _);
        }
    }

    /// <summary>Hands an <c>interaction.response</c> of the run to its waiter; false when nobody awaits it.</summary>
    public bool TryCompleteInteraction(InputDelivery delivery)
    {
        if (delivery.Kind != InputKinds.InteractionResponse || delivery.RunId != RunId)
        {
            return false;
        }

        var response = delivery.GetInteractionResponse();
        return _interactions.TryGetValue(response.InteractionId, out var waiter) && waiter.TrySetResult(response);
    }

    public async Task<JsonElement> CallToolAsync(string toolName, JsonElement arguments, Func<CancellationToken, Task<JsonElement>> execute, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(toolName);
        ArgumentNullException.ThrowIfNull(execute);
        var id = TypeId.New("toolcall");
        await PublishAsync(
            [
                OutputEvents.ToolCallRequested(new ToolCallRequestedData
                {
                    ToolCallId = id, ToolName = toolName, Arguments = arguments.Clone(), Executor = "runtime", RequiresApproval = false, IdempotencyKey = idempotencyKey,
                }),
                OutputEvents.ToolCallStarted(new ToolCallStartedData { ToolCallId = id, ExecutionAttempt = 1 }),
            ],
            cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        JsonElement result;
        try
        {
            result = await execute(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var cancelled = ex is OperationCanceledException;
            await PublishAsync(
                [
                    OutputEvents.ToolCallFailed(new ToolCallFailedData
                    {
                        ToolCallId = id,
                        Reason = cancelled ? "cancelled" : "execution_error",
                        Error = new ErrorInfo { Code = cancelled ? "cancelled" : "tool_failed", Message = ex.Message },
                    }),
                ],
                CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await PublishAsync(
            [OutputEvents.ToolCallCompleted(new ToolCallCompletedData { ToolCallId = id, Output = result, DurationMs = clock.ElapsedMilliseconds })],
            cancellationToken).ConfigureAwait(false);
        return result;
    }

    private readonly Lock _heldGate = new();
    private OutputEventDraft? _heldStart;

    /// <summary>True once the agent or the host published run.finished.</summary>
    public bool RunFinished { get; private set; }

    public Task PublishAsync(params OutputEventDraft[] events) => PublishAsync(events, CancellationToken.None);

    /// <summary>
    /// Holds the step's <c>step.started</c>: it leaves in front of the next event published (the agent's first, or
    /// the host's <c>step.finished</c>), or when the host flushes it because the agent is still working. A step that
    /// finishes at once so costs the service one durable batch instead of two, and no event ever precedes its start.
    /// </summary>
    internal void HoldStepStarted(OutputEventDraft started)
    {
        lock (_heldGate)
        {
            _heldStart = started;
        }
    }

    /// <summary>Publishes the held <c>step.started</c> now, if no publish has taken it yet.</summary>
    internal Task FlushStepStartedAsync() => PublishAsync([], CancellationToken.None);

    public Task PublishAsync(IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (InStep && FindRunFinished(events) is var end and >= 0)
        {
            // Ending the run from inside a step: the run.finished waits for the step's step.finished (the service takes
            // no event after run.finished), and the run ends after this delivery.
            lock (_stepCheckpoints)
            {
                _stepRunEnd.AddRange(events.Skip(end));
            }

            RunFinished = true;
            events = [.. events.Take(end)];
        }

        // Taking the held start and stamping the batch happen under one gate, so nothing published concurrently
        // can get a seq before it.
        lock (_heldGate)
        {
            if (_heldStart is { } held)
            {
                _heldStart = null;
                events = [held, .. events];
            }

            return Stamp(events, cancellationToken);
        }
    }

    private static int FindRunFinished(IReadOnlyList<OutputEventDraft> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Type == OutputEventTypes.RunFinished)
            {
                return i;
            }
        }

        return -1;
    }

    private Task Stamp(IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return System.Threading.Tasks.Task.CompletedTask;
        }

        var delivery = CurrentDelivery;
        var drafts = new OutputEventDraft[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var draft = events[i];
            RunFinished |= draft.Type == OutputEventTypes.RunFinished;
            drafts[i] = draft with
            {
                StepId = draft.StepId ?? (draft.Type.StartsWith("run.", StringComparison.Ordinal) ? null : CurrentStepId),
                CausationId = draft.CausationId ?? delivery?.DeliveryId,
                TraceParent = draft.TraceParent ?? delivery?.Delivery.TraceParent,
            };
        }

        return connection.PublishAsync(RunId, drafts, cancellationToken);
    }
}
