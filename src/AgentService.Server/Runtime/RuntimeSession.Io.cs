using AgentService.Protocol.Runtime;
using System.Text;
using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Server.Observability;
using AgentService.Server.Storage;

namespace AgentService.Server.Runtime;

internal sealed partial class RuntimeSession
{
    /// <summary>The delivery key of a run's <c>run.resume</c> is this and the run id (the main run's, or a local
    /// sub-run's taken over from an earlier attempt).</summary>
    private const string ResumePrefix = "run.resume:";

    private async Task OutputAsync(JsonElement id, JsonElement parameters, JsonElement frame, CancellationToken cancellationToken)
    {
        Params.OnlyKnown(parameters, "runtimeConnectionId", "runId", "events");
        RequireConnection(parameters);
        var runId = Params.RequiredId(parameters, "runId", IdPrefixes.Run);
        RequireRun(runId);
        var attempt = AttemptOf(runId);
        var events = Params.RequiredArray(parameters, "events");

        // The span of storing the batch: a child of the runtime's span for the hop (the frame's traceparent), else
        // of the first event's. Looked up only when this host exports traces: this is the ingest's hot path.
        using var span = _services.Telemetry.Tracing
            ? _services.Telemetry.StartSpan("ingest events", System.Diagnostics.ActivityKind.Server, HopTraceparent(frame, events))
            : null;
        span?.SetTag("agentservice.run_id", runId);
        span?.SetTag("agentservice.event_count", events.GetArrayLength());
        if (events.GetArrayLength() > Options.MaxEventsPerBatch)
        {
            throw RuntimeProtocolException.InvalidParams("/params/events", $"at most {Options.MaxEventsPerBatch} events per batch");
        }

        var source = $"/runs/{runId}/attempts/{attempt.AttemptId}";
        var incoming = new List<IncomingEvent>(events.GetArrayLength());
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var e in events.EnumerateArray())
        {
            var pointer = $"/params/events/{i++}";
            var incomingEvent = ReadEvent(e, pointer, runId, attempt.AttemptId, source);
            if (!seenIds.Add(incomingEvent.EventId))
            {
                throw RuntimeProtocolException.InvalidParams(pointer + "/id", "an event id appears twice in the batch");
            }

            incoming.Add(incomingEvent);
        }

        await CheckSubRunEventsAsync(runId, attempt.AttemptId, incoming, cancellationToken);
        var result = await _services.Events.AppendAsync(runId, attempt.AttemptId, incoming, cancellationToken);
        if (result.ExpectedSeq is { } expected)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.SequenceGap, $"The batch must continue at seq {expected}.", w => w.WriteNumber("expectedSeq", expected));
        }

        if (result.AttemptOver is { } over)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.LeaseExpired, $"Attempt {attempt.AttemptId} of run {runId} is over ({over}): it takes no more events.");
        }

        if (result.FinishedRunStatus is { } finished)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.RunFinished, $"Run {runId} is {finished}: it takes no more events.");
        }

        if (result.Refusal is { } refusal)
        {
            throw RuntimeProtocolException.InvalidParams("/params/events", refusal);
        }

        if (result.ReusedSeqEventId is { } reused)
        {
            throw RuntimeProtocolException.InvalidParams("/params/events", $"event {reused} reuses a seq already stored for another event");
        }

        await SendResultAsync(id, w => w.WriteBoolean("accepted", true), cancellationToken);
        Observability.ServiceTelemetry.EventsIngested.Add(incoming.Count);
        _services.Signals.EventsAppended(runId);
        await AfterSubRunEventsAsync(runId, incoming, result.RunStatus, cancellationToken);
        foreach (var completed in result.CompletedSteps)
        {
            var artifacts = await _services.Artifacts.ListByStepsAsync([completed.Step.StepId], cancellationToken);
            _services.Steps.Publish(completed with { Artifacts = artifacts });
        }
    }

    private static string? HopTraceparent(JsonElement frame, JsonElement events)
    {
        if (frame.TryGetProperty("traceparent", out var hop) && hop.ValueKind == JsonValueKind.String)
        {
            return hop.GetString();
        }

        return events.GetArrayLength() > 0 && events[0].ValueKind == JsonValueKind.Object
            && events[0].TryGetProperty("traceparent", out var first) && first.ValueKind == JsonValueKind.String ? first.GetString() : null;
    }

    private IncomingEvent ReadEvent(JsonElement e, string pointer, string runId, string attemptId, string source)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw RuntimeProtocolException.InvalidParams(pointer, "must be a CloudEvent object");
        }

        if (!e.TryGetProperty("specversion", out var specVersion) || specVersion.ValueKind != JsonValueKind.String || specVersion.GetString() != "1.0")
        {
            throw RuntimeProtocolException.InvalidParams(pointer + "/specversion", "must be \"1.0\"");
        }

        var eventId = Params.RequiredId(e, "id", "evt", pointer);
        var type = Params.RequiredString(e, "type", pointer);
        if (type.Length is 0 or > 256)
        {
            throw RuntimeProtocolException.InvalidParams(pointer + "/type", "must be a dotted event type");
        }

        if (Params.RequiredString(e, "source", pointer) != source)
        {
            throw RuntimeProtocolException.InvalidParams(pointer + "/source", $"must be {source}");
        }

        if (Params.RequiredString(e, "runid", pointer) != runId)
        {
            throw RuntimeProtocolException.InvalidParams(pointer + "/runid", $"must be {runId}");
        }

        if (Params.RequiredString(e, "attemptid", pointer) != attemptId)
        {
            throw RuntimeProtocolException.InvalidParams(pointer + "/attemptid", $"must be {attemptId}");
        }

        var time = Params.RequiredString(e, "time", pointer);
        if (!time.EndsWith('Z') || !DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out _))
        {
            throw RuntimeProtocolException.InvalidParams(pointer + "/time", "must be an RFC 3339 UTC time ending in Z");
        }

        Params.RequiredString(e, "traceparent", pointer);
        if (!e.TryGetProperty("seq", out var seqElement) || !seqElement.TryGetInt64(out var seq) || seq < 1)
        {
            throw RuntimeProtocolException.InvalidParams(pointer + "/seq", "must be an integer of at least 1");
        }

        var data = Params.RequiredObject(e, "data", pointer);
        RequireCapabilityFor(type);
        var stepId = e.TryGetProperty("stepid", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        CheckProjectedData(type, data, pointer + "/data");
        return new IncomingEvent(eventId, type, seq, time, stepId, e.GetRawText(), data.Clone());
    }

    /// <summary>The members the projections read must have their schema's types (the rest of the event is stored as sent).</summary>
    private static void CheckProjectedData(string type, JsonElement data, string pointer)
    {
        switch (type)
        {
            case "step.started":
                Params.RequiredId(data, "stepId", "stp", pointer);
                break;
            case "step.finished":
                Params.RequiredId(data, "stepId", "stp", pointer);
                if (Params.RequiredString(data, "status", pointer) is not ("completed" or "failed" or "cancelled"))
                {
                    throw RuntimeProtocolException.InvalidParams(pointer + "/status", "must be completed, failed or cancelled");
                }

                break;
            case "run.finished":
                if (Params.RequiredString(data, "status", pointer) is not ("completed" or "failed" or "cancelled" or "timed_out"))
                {
                    throw RuntimeProtocolException.InvalidParams(pointer + "/status", "must be a terminal run status");
                }

                break;
            case "run.status.changed":
                if (Params.RequiredString(data, "status", pointer) is not ("queued" or "starting" or "running" or "waiting"))
                {
                    throw RuntimeProtocolException.InvalidParams(pointer + "/status", "must be a non-terminal run status (terminal ones use run.finished)");
                }

                break;
            case "artifact.created":
                Params.RequiredId(Params.RequiredObject(data, "artifact", pointer), "artifactId", "art", pointer + "/artifact");
                break;
            case "tool.call.requested" or "tool.call.arguments.delta" or "tool.call.started" or "tool.call.progress" or "tool.call.completed" or "tool.call.failed":
                Params.RequiredId(data, "toolCallId", "toolcall", pointer);
                break;
            case "interaction.requested":
                var interactionId = Params.RequiredId(data, "interactionId", "ixn", pointer);
                if (data.TryGetProperty("responseSchema", out var responseSchema))
                {
                    try
                    {
                        Interactions.ResponseSchema.Compile(interactionId, responseSchema);
                    }
                    catch (Protocol.Schema.JsonSchemaException ex)
                    {
                        throw RuntimeProtocolException.InvalidParams(pointer + "/responseSchema", "is not a usable JSON Schema (draft 2020-12): " + ex.Message);
                    }
                }

                break;
            case "interaction.resolved":
                Params.RequiredId(data, "interactionId", "ixn", pointer);
                break;
            case "checkpoint.saved":
                Params.RequiredId(data, "checkpointId", "ckpt", pointer);
                if (!data.TryGetProperty("inputCursor", out var cursor) || !cursor.TryGetInt64(out var inputCursor) || inputCursor < 0)
                {
                    throw RuntimeProtocolException.InvalidParams(pointer + "/inputCursor", "must be a non-negative integer");
                }

                if (data.TryGetProperty("state", out _) == data.TryGetProperty("stateRef", out _))
                {
                    throw RuntimeProtocolException.InvalidParams(pointer, "a checkpoint has exactly one of state and stateRef");
                }

                if (data.TryGetProperty("state", out var state) && Encoding.UTF8.GetByteCount(state.GetRawText()) > RuntimeLimits.MaxInlineCheckpointStateBytes)
                {
                    throw new RuntimeProtocolException(RuntimeErrorCodes.PayloadTooLarge,
                        $"{pointer}/state: inline checkpoint state is at most {RuntimeLimits.MaxInlineCheckpointStateBytes} bytes; store larger state as an artifact and name it in stateRef.",
                        w => w.WriteNumber("maxBytes", RuntimeLimits.MaxInlineCheckpointStateBytes));
                }

                break;
            case "todo.updated":
                Params.RequiredId(data, "listId", "todo", pointer);
                if (!data.TryGetProperty("revision", out var revision) || !revision.TryGetInt64(out var r) || r < 1)
                {
                    throw RuntimeProtocolException.InvalidParams(pointer + "/revision", "must be an integer of at least 1");
                }

                break;
        }
    }

    private void RequireCapabilityFor(string type)
    {
        if (type.StartsWith("tool.call.", StringComparison.Ordinal))
        {
            RequireCapability("tool.call");
        }
        else if (type == "interaction.requested")
        {
            RequireCapability("interaction.request");
        }
        else if (type == "checkpoint.saved")
        {
            RequireCapability("checkpoint.save");
        }
    }

    private async Task HandleReplyAsync(JsonElement reply, CancellationToken cancellationToken)
    {
        var key = reply.GetProperty("id").ToString();
        string? deliveryId;
        lock (_inFlightLock)
        {
            _inFlight.Remove(key, out deliveryId);
        }

        if (deliveryId is null)
        {
            return; // Not a request of ours (or already answered): ignore, as JSON-RPC peers do.
        }

        // Only {"accepted": true} acknowledges. Any other result (accepted:false, other members) counts as a retryable
        // 'unavailable' (PROTOCOL.md §2), as does a reply that is neither result nor error: the input stays pending and is
        // delivered again. Only an error the runtime marks not retryable consumes the delivery (PROTOCOL.md §7).
        var accepted = reply.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            && result.TryGetProperty("accepted", out var a) && a.ValueKind == JsonValueKind.True && result.EnumerateObject().Count() == 1;
        var retryable = !accepted && (!reply.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object
            || (error.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("retryable", out var r) && r.ValueKind == JsonValueKind.True));
        if (deliveryId.StartsWith(ResumePrefix, StringComparison.Ordinal))
        {
            var resumedRunId = deliveryId[ResumePrefix.Length..];
            if (accepted)
            {
                ResumeAcknowledgement(deliveryId).TrySetResult();
            }
            else if (!retryable && resumedRunId != _run!.RunId)
            {
                // A runtime that does not take over a local sub-run of an earlier attempt (it does not know the run):
                // nothing will run it, so it ends now, as it did before runtimes could take sub-runs over.
                var message = reply.TryGetProperty("error", out var refused) && refused.TryGetProperty("message", out var text) ? text.ToString() : "refused";
                await AbandonSubRunAsync(resumedRunId, message);
            }

            return;
        }

        if (accepted || !retryable)
        {
            // A non-retryable refusal consumes the delivery's sequence too (PROTOCOL.md §7).
            await AcknowledgeAsync(deliveryId, cancellationToken);
        }
    }

    /// <summary>
    /// Stores the runtime's acknowledgement of a delivery. When the store is unreachable it is kept and written again
    /// every second (for up to <see cref="AcknowledgementRetries"/> seconds, whatever becomes of the socket): lost, it
    /// would leave the input pending, to be delivered again to a runtime that already has it.
    /// </summary>
    private async Task AcknowledgeAsync(string deliveryId, CancellationToken cancellationToken)
    {
        try
        {
            await _services.Deliveries.AcknowledgeAsync(deliveryId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _services.Storage.IsOutage(ex))
        {
            Log.AcknowledgementHeld(_logger, deliveryId, ex.Message);
            _ = Task.Run(async () =>
            {
                for (var attempt = 0; attempt < AcknowledgementRetries; attempt++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _services.Time);
                    try
                    {
                        await _services.Deliveries.AcknowledgeAsync(deliveryId, CancellationToken.None);
                        return;
                    }
                    catch (Exception again) when (_services.Storage.IsOutage(again))
                    {
                        // Still unreachable: the next second.
                    }
                    catch (Exception again)
                    {
                        Log.RuntimeCommandFailed(_logger, "acknowledgement", deliveryId, again);
                        return;
                    }
                }

                Log.AcknowledgementLost(_logger, deliveryId, AcknowledgementRetries);
            }, CancellationToken.None);
        }
    }

    private TaskCompletionSource ResumeAcknowledgement(string resumeKey) =>
        _resumeAcknowledged.GetOrAdd(resumeKey, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private void StartPump(bool needsResume)
    {
        _pump = StartPump(_run!, _attempt!, _deliverySignal, needsResume, _closing.Token);
    }

    private Task StartPump(RunRecord run, AttemptRecord attempt, SemaphoreSlim signal, bool needsResume, CancellationToken token)
    {
        return Task.Run(async () =>
        {
            try
            {
                await PumpAsync(run, attempt, signal, needsResume, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // The socket closed under the pump; the next attach resends what was not acknowledged.
            }
            catch (Exception ex)
            {
                Log.DeliveryPumpFailed(_logger, run.RunId, ex);
                RequestClose(1011, "internal error");
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// Sends the run's deliveries in sequence order, each once per connection. After a lost attempt or a restart
    /// without state it first sends run.resume (with the latest checkpoint), waits for its acknowledgement and then replays
    /// the deliveries after the checkpoint's input cursor (all of them without a checkpoint).
    /// </summary>
    private async Task PumpAsync(RunRecord run, AttemptRecord attempt, SemaphoreSlim signal, bool needsResume, CancellationToken cancellationToken)
    {
        long lastSent = 0;
        if (needsResume)
        {
            // The latest checkpoint (when checkpoint.load is effective) is handed over with its input cursor, and only
            // the deliveries after that cursor are replayed (PROTOCOL.md §8).
            var checkpoint = _effective.Contains("checkpoint.load") ? await _services.Model.GetLatestCheckpointAsync(run.RunId, cancellationToken) : null;
            lastSent = checkpoint?.InputCursor ?? 0;
            if (checkpoint is not null)
            {
                Log.ResumingFromCheckpoint(_logger, run.RunId, checkpoint.CheckpointId, checkpoint.InputCursor);
            }

            var resumeKey = ResumePrefix + run.RunId;
            await SendRequestAsync(resumeKey, w =>
            {
                w.WriteString("deliveryId", TypeId.New("dlv"));
                w.WriteString("runId", run.RunId);
                w.WriteString("attemptId", attempt.AttemptId);
                w.WriteString("sessionId", run.SessionId);
                w.WriteString("kind", "run.resume");
                w.WriteStartObject("payload");
                w.WriteString("reason", _takenOver ? "takeover" : attempt.Number > 1 && attempt.OutputSeq == 0 ? "new_attempt" : "restart");
                w.WriteNumber("attemptNumber", attempt.Number);
                if (checkpoint is not null)
                {
                    w.WritePropertyName("checkpoint");
                    w.WriteRawValue(checkpoint.Body, skipInputValidation: true);
                }

                w.WriteNumber("inputCursor", lastSent);
                w.WriteNumber("nextOutputSeq", attempt.OutputSeq + 1);
                w.WriteEndObject();
                w.WriteNumber("deliveryCount", 1);
                w.WriteString("createdAt", Timestamp(_services.Time.GetUtcNow()));
                w.WriteString("traceparent", run.Traceparent ?? NewTraceparent());
            }, cancellationToken);
            await ResumeAcknowledgement(resumeKey).Task.WaitAsync(cancellationToken);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await _services.Deliveries.ListAsync(run.RunId, lastSent, includeAcknowledged: needsResume, 100, cancellationToken);
            foreach (var delivery in batch)
            {
                // The transmission count is informational (deliveryCount): it is recorded in the background, ordered
                // by the store's writer, instead of costing a commit before every send.
                var count = delivery.DeliveryCount + 1;
                _ = _services.Deliveries.MarkSentAsync(delivery.DeliveryId, CancellationToken.None);
                await SendRequestAsync(delivery.DeliveryId, w => WriteDelivery(w, delivery, run, attempt, count), cancellationToken);
                Observability.ServiceTelemetry.DeliveriesSent.Add(1, new KeyValuePair<string, object?>("agentservice.delivery_kind", delivery.Kind));
                lastSent = delivery.Sequence;
            }

            if (batch.Count < 100)
            {
                needsResume = false; // The replay is done; from here on only new deliveries are pending.
                await signal.WaitAsync(cancellationToken);
            }
        }
    }

    private static void WriteDelivery(Utf8JsonWriter w, DeliveryRecord delivery, RunRecord run, AttemptRecord attempt, int count)
    {
        w.WriteString("deliveryId", delivery.DeliveryId);
        w.WriteString("runId", run.RunId);
        w.WriteString("attemptId", attempt.AttemptId);
        w.WriteString("sessionId", run.SessionId);
        w.WriteNumber("sequence", delivery.Sequence);
        w.WriteString("kind", delivery.Kind);
        w.WritePropertyName("payload");
        w.WriteRawValue(delivery.Payload, skipInputValidation: true);
        w.WriteNumber("deliveryCount", count);
        w.WriteString("createdAt", Timestamp(delivery.CreatedAt));
        w.WriteString("traceparent", delivery.Traceparent);
    }

    private async Task SendRequestAsync(string deliveryKey, Action<Utf8JsonWriter> parameters, CancellationToken cancellationToken)
    {
        var requestId = "s-" + Interlocked.Increment(ref _outgoingIds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_inFlightLock)
        {
            _inFlight[requestId] = deliveryKey;
        }

        await SendFrameAsync(w =>
        {
            w.WriteString("id", requestId);
            w.WriteString("method", InputMethod);
            w.WriteStartObject("params");
            parameters(w);
            w.WriteEndObject();
        }, cancellationToken);
    }

    internal static string NewTraceparent() =>
        $"00-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01";
}
