using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Events;

namespace AgentService.Runtime;

public sealed partial class RuntimeConnection
{
    /// <inheritdoc />
    public Task PublishAsync(IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken = default) =>
        PublishAsync(RunId, events, cancellationToken);

    /// <summary>
    /// Stamps the envelopes (id, seq gap-free per attempt, source, time, trace context) and queues the events; one
    /// batch (at most <see cref="RuntimeConnectionOptions.MaxBatchSize"/>) per run is in flight at a time, so seq
    /// stays in order. A batch is kept until accepted and resent after re-attach with the same ids and seq.
    /// </summary>
    public Task PublishAsync(string runId, IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return Task.CompletedTask;
        }

        foreach (var draft in events)
        {
            ArgumentNullException.ThrowIfNull(draft);
            if (RequiredCapability(draft.Type) is { } capability)
            {
                RequireCapability(capability);
            }
        }

        PublishWaiter waiter;
        RunState run;
        var start = false;
        lock (_lock)
        {
            ThrowIfFailedLocked();
            if (_fenced)
            {
                throw new RuntimeFencedException();
            }

            if (!_runs.TryGetValue(runId, out var found))
            {
                throw new InvalidOperationException($"Run {runId} is not bound to this connection.");
            }

            run = found;
            if (run.AttemptId is null)
            {
                throw new InvalidOperationException($"Sub-run {runId} has had no delivery yet, so its attempt is unknown.");
            }

            var now = _time.GetUtcNow();
            var first = run.NextOrdinal;
            for (var i = 0; i < events.Count; i++)
            {
                var draft = events[i];
                run.Pending.Add(new PendingEvent(run.NextOrdinal++, Stamp(run, draft, now), EndsGroup: i == events.Count - 1));
                if (draft.LocalChildRunId is { } child && !_runs.ContainsKey(child))
                {
                    _runs[child] = new RunState(child, attemptId: null, run.RootRunId);
                }

                if (draft.Type == OutputEventTypes.RunFinished && run != _main)
                {
                    run.Finished = true;
                }
            }

            waiter = new PublishWaiter(first, run.NextOrdinal - 1);
            run.Waiters.Add(waiter);
            if (!run.Pumping)
            {
                run.Pumping = true;
                start = true;
            }
        }

        if (start)
        {
            lock (_lock)
            {
                _background.RemoveAll(t => t.IsCompleted);
                _background.Add(Task.Run(() => PumpAsync(run), CancellationToken.None));
            }
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    private static string? RequiredCapability(string type) => type switch
    {
        _ when type.StartsWith("tool.call.", StringComparison.Ordinal) => CapabilityNames.ToolCall,
        OutputEventTypes.InteractionRequested => CapabilityNames.InteractionRequest,
        OutputEventTypes.CheckpointSaved => CapabilityNames.CheckpointSave,
        _ => null,
    };

    private static OutputEvent Stamp(RunState run, OutputEventDraft draft, DateTimeOffset now) => new()
    {
        SpecVersion = OutputEventTypes.SpecVersion,
        Id = draft.Id ?? TypeId.New("evt"),
        Type = draft.Type,
        Source = $"/runs/{run.RunId}/attempts/{run.AttemptId}",
        Subject = draft.Subject,
        Time = draft.Time ?? now,
        RunId = run.RunId,
        AttemptId = run.AttemptId,
        SessionId = run.SessionId,
        StepId = draft.StepId,
        Seq = run.NextSeq++,
        CausationId = draft.CausationId,
        CorrelationId = draft.CorrelationId ?? run.RootRunId,
        TraceParent = draft.TraceParent ?? run.TraceParent ?? TraceContext.Current() ?? TraceContext.NewTraceParent(),
        TraceState = draft.TraceState,
        Ephemeral = draft.Ephemeral ?? (OutputEventTypes.IsEphemeral(draft.Type) ? true : null),
        Data = draft.Data,
    };

    /// <summary>seq of the next event (run.resume's nextOutputSeq, or a sequence_gap's expectedSeq); pending events are renumbered.</summary>
    private static void SetNextSeqLocked(RunState run, int next)
    {
        for (var i = 0; i < run.Pending.Count; i++)
        {
            var pending = run.Pending[i];
            run.Pending[i] = pending with { Event = WithSeq(pending.Event, next + i) };
        }

        run.NextSeq = next + run.Pending.Count;
    }

    private static OutputEvent WithSeq(OutputEvent e, int seq) => new()
    {
        SpecVersion = e.SpecVersion,
        Id = e.Id,
        Type = e.Type,
        Source = e.Source,
        Subject = e.Subject,
        Time = e.Time,
        RunId = e.RunId,
        AttemptId = e.AttemptId,
        SessionId = e.SessionId,
        StepId = e.StepId,
        Seq = seq,
        Position = e.Position,
        CausationId = e.CausationId,
        CorrelationId = e.CorrelationId,
        TraceParent = e.TraceParent,
        TraceState = e.TraceState,
        Ephemeral = e.Ephemeral,
        Data = e.Data,
    };

    /// <summary>How many pending events the next batch takes: up to the batch size, cut after the last whole publish
    /// call so the events of one call are stored together (a step's step.finished and its checkpoint); a single call
    /// longer than the batch size is split.</summary>
    private int BatchLength(List<PendingEvent> pending)
    {
        var limit = Math.Min(pending.Count, _options.MaxBatchSize);
        for (var length = limit; length > 0; length--)
        {
            if (pending[length - 1].EndsGroup)
            {
                return length;
            }
        }

        return limit;
    }

    /// <summary>Sends the run's pending events, one batch at a time, until none is left.</summary>
    private async Task PumpAsync(RunState run)
    {
        var gapRetries = 0;
        var failures = 0;
        while (true)
        {
            PendingEvent[] batch;
            lock (_lock)
            {
                if (_failure is not null)
                {
                    run.Pumping = false;
                    return;
                }

                if (run.Pending.Count == 0)
                {
                    run.Pumping = false;
                    if (run.Finished && run != _main)
                    {
                        _runs.Remove(run.RunId);
                    }

                    return;
                }

                batch = [.. run.Pending.Take(BatchLength(run.Pending))];
            }

            OutputEvent[] events = [.. batch.Select(p => p.Event)];
            try
            {
                var result = await InvokeAsync(RuntimeMethods.OutputEvent, (w, connectionId) => JsonSerializer.Serialize(w,
                    new PublishOutputEventsRequest { RuntimeConnectionId = connectionId, RunId = run.RunId, Events = events },
                    RuntimeJsonContext.Wire.PublishOutputEventsRequest), refuseWhileFenced: false, _lifetime.Token).ConfigureAwait(false);
                if (!Read(result, RuntimeJsonContext.Wire.PublishOutputEventsResponse).Accepted)
                {
                    throw new RuntimeProtocolException(RuntimeErrorCodes.Unavailable, "unavailable", "The output batch was not accepted.", retryable: true);
                }

                lock (_lock)
                {
                    run.Pending.RemoveRange(0, batch.Length);
                    CompleteWaitersLocked(run, batch[^1].Ordinal, null);
                }

                gapRetries = 0;
                failures = 0;
            }
            catch (RuntimeProtocolException e) when (e.Code == RuntimeErrorCodes.SequenceGap && e.ExpectedSeq is { } expected && expected >= 1 && gapRetries++ < 3)
            {
                Log.SequenceGap(_logger, run.RunId, expected);
                lock (_lock)
                {
                    SetNextSeqLocked(run, expected);
                }
            }
            catch (RuntimeProtocolException e) when (e.Retryable && e.Code != RuntimeErrorCodes.SequenceGap)
            {
                var delay = e.RetryAfter ?? Backoff.Delay(failures++, _options.ReconnectMinDelay, _options.ReconnectMaxDelay);
                Log.OutputRetry(_logger, run.RunId, e.Reason, delay);
                try
                {
                    await Task.Delay(delay, _time, _lifetime.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (RuntimeProtocolException e)
            {
                // Refused for good (invalid params, unknown run, repeated gaps, ...): drop the batch, fail its publishers,
                // and renumber what follows so that seq stays gap-free for the service.
                Log.OutputRefused(_logger, run.RunId, e.Reason, e);
                lock (_lock)
                {
                    var firstSeq = batch[0].Event.Seq;
                    run.Pending.RemoveRange(0, batch.Length);
                    CompleteWaitersLocked(run, batch[^1].Ordinal, (batch[0].Ordinal, e));
                    SetNextSeqLocked(run, firstSeq);
                }

                gapRetries = 0;
            }
            catch (Exception ex) when (ex is OperationCanceledException or RuntimeConnectionException)
            {
                lock (_lock)
                {
                    run.Pumping = false;
                }

                return;
            }
        }
    }

    /// <summary>Completes the publishers whose events are all at or below <paramref name="through"/>; with a failure,
    /// fails those that had events in the refused range instead.</summary>
    private static void CompleteWaitersLocked(RunState run, long through, (long From, Exception Error)? failure)
    {
        for (var i = 0; i < run.Waiters.Count; i++)
        {
            var waiter = run.Waiters[i];
            if (failure is { } f && waiter.Last >= f.From && waiter.First <= through)
            {
                waiter.Fail(f.Error);
            }
            else if (waiter.Last <= through)
            {
                waiter.Complete();
            }
            else
            {
                continue;
            }

            run.Waiters.RemoveAt(i--);
        }
    }
}
