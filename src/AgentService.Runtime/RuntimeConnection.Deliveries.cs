using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Deliveries;
using AgentService.Runtime.Transport;

namespace AgentService.Runtime;

public sealed partial class RuntimeConnection
{
    /// <inheritdoc />
    public async IAsyncEnumerable<InputDelivery> ReadDeliveriesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = _deliveries.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var delivery))
            {
                bool current;
                lock (_lock)
                {
                    // A delivery taken back by fencing is handed out again later as a new object; skip the stale one.
                    current = _runs.TryGetValue(delivery.RunId, out var run) && run.Tracker.Generation == delivery.Generation;
                }

                if (current)
                {
                    yield return delivery;
                }
            }
        }
    }

    internal async Task AcknowledgeAsync(InputDelivery delivery, CancellationToken cancellationToken)
    {
        ReplyTarget? target;
        lock (_lock)
        {
            ThrowIfFailedLocked();
            if (delivery.IsAcknowledged || !_runs.TryGetValue(delivery.RunId, out var run))
            {
                return;
            }

            target = run.Tracker.Acknowledge(delivery.Tracked, delivery.Generation);
            delivery.IsAcknowledged = true;
        }

        cancellationToken.ThrowIfCancellationRequested();
        await SendAcknowledgementAsync(target).ConfigureAwait(false);
    }

    /// <summary>A request from the service: only <c>service.task.input.event</c> exists. Runs inline in the receive loop
    /// up to its first await, so deliveries are taken in the order they arrive.</summary>
    private async Task OnServiceRequestAsync(RpcSocket socket, JsonElement id, string method, JsonElement parameters)
    {
        if (method != RuntimeMethods.InputEvent)
        {
            await socket.SendErrorAsync(id, RuntimeErrorCodes.MethodNotFound, $"The runtime does not serve {method}.").ConfigureAwait(false);
            return;
        }

        TaskInputDelivery? delivery;
        try
        {
            delivery = parameters.Deserialize(RuntimeJsonContext.Wire.TaskInputDelivery);
        }
        catch (JsonException ex)
        {
            await socket.SendErrorAsync(id, RuntimeErrorCodes.InvalidParams, "The delivery does not match TaskInputDelivery: " + ex.Message).ConfigureAwait(false);
            return;
        }

        if (delivery is null || (delivery.Kind == InputKinds.RunResume) == delivery.Sequence.HasValue)
        {
            await socket.SendErrorAsync(id, RuntimeErrorCodes.InvalidParams, "run.resume has no sequence; every other delivery has one.").ConfigureAwait(false);
            return;
        }

        var handedOut = new List<TrackedDelivery>();
        var acknowledgeNow = new List<(TaskInputDelivery Delivery, ReplyTarget? Target, DeliveryDisposition Why)>();
        string? refusal = null;
        CancellationTokenSource? cancelWork = null;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            if (!_runs.TryGetValue(delivery.RunId, out var run) && delivery.Kind == InputKinds.RunResume && delivery.RunId != _main.RunId)
            {
                // A local sub-run an earlier attempt of the main run hosted, handed to this one: it starts with its
                // run.resume, and is ours from here on (recovered after a reconnect, kept from idling).
                run = new RunState(delivery.RunId, delivery.AttemptId, _main.RootRunId);
                _runs[delivery.RunId] = run;
            }

            if (run is null)
            {
                refusal = $"run {delivery.RunId} is not hosted by this runtime";
            }
            else if (run.AttemptId is not null && run.AttemptId != delivery.AttemptId)
            {
                refusal = $"this runtime holds attempt {run.AttemptId} of run {delivery.RunId}, not {delivery.AttemptId}";
            }
            else
            {
                run.AttemptId ??= delivery.AttemptId;
                run.SessionId ??= delivery.SessionId;
                var disposition = run.Tracker.Receive(delivery, new ReplyTarget(socket, id), _time.GetUtcNow(), handedOut, acknowledgeNow);
                if (delivery.Kind == InputKinds.RunResume && disposition == DeliveryDisposition.Accepted
                    && delivery.Payload.Deserialize(RuntimeJsonContext.Wire.RunResumePayload) is { } resume)
                {
                    run.Tracker.ResumeAt(resume.InputCursor);
                    SetNextSeqLocked(run, resume.NextOutputSeq);
                }

                foreach (var tracked in handedOut)
                {
                    if (HandOutLocked(run, tracked))
                    {
                        cancelWork = _work;
                    }
                }
            }
        }

        if (refusal is not null)
        {
            Log.DeliveryRefused(_logger, refusal);
            await socket.SendErrorAsync(id, RuntimeErrorCodes.UnknownRun, "This runtime does not host that run or attempt: " + refusal + ".").ConfigureAwait(false);
            return;
        }

        cancelWork?.Cancel();
        foreach (var (acknowledged, target, why) in acknowledgeNow)
        {
            LogAcknowledged(acknowledged, why);
            await SendAcknowledgementAsync(target).ConfigureAwait(false);
        }
    }

    /// <summary>Puts a due delivery on the stream. Returns true for a cancel (the caller cancels the work token).</summary>
    private bool HandOutLocked(RunState run, TrackedDelivery tracked)
    {
        run.TraceParent = tracked.Delivery.TraceParent;
        if (tracked.Delivery.Kind == InputKinds.TaskStart && tracked.Delivery.Payload.ValueKind == JsonValueKind.Object
            && tracked.Delivery.Payload.TryGetProperty("rootRunId", out var root) && root.ValueKind == JsonValueKind.String)
        {
            run.RootRunId = root.GetString()!;
        }

        if (tracked.Delivery.Kind == InputKinds.Wake)
        {
            ForgetEndedSubRunsLocked(tracked.Delivery.Payload);
        }

        _deliveries.Writer.TryWrite(new InputDelivery(this, tracked));
        // A local sub-run's cancel is its own (the hosting helper finishes that child); the main run's stops all work.
        if (tracked.Delivery.Kind == InputKinds.Cancel && run == _main)
        {
            _cancelRequested = true;
            return true;
        }

        return false;
    }

    /// <summary>A <c>wake</c> names children that ended: a local one the service ended without this process (it waited
    /// for a dependency that failed, or was cancelled before it started) is no longer alive here — not named in a
    /// recover, not keeping the host from going idle.</summary>
    private void ForgetEndedSubRunsLocked(JsonElement wake)
    {
        if (wake.ValueKind != JsonValueKind.Object || !wake.TryGetProperty("subrunResults", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var result in results.EnumerateArray())
        {
            if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("childRunId", out var child) && child.GetString() is { } childRunId
                && _runs.TryGetValue(childRunId, out var run) && run != _main && run.Pending.Count == 0)
            {
                _runs.Remove(childRunId);
            }
        }
    }

    private void LogAcknowledged(TaskInputDelivery delivery, DeliveryDisposition why)
    {
        if (why == DeliveryDisposition.Expired)
        {
            Log.ExpiredDelivery(_logger, delivery.DeliveryId, delivery.RunId, delivery.Sequence);
        }
        else
        {
            Log.DuplicateDelivery(_logger, delivery.DeliveryId, delivery.RunId, delivery.Sequence);
        }
    }

    private static async Task SendAcknowledgementAsync(ReplyTarget? target)
    {
        if (target is null || !target.Socket.IsOpen)
        {
            return;
        }

        try
        {
            await target.Socket.SendResultAsync(target.RequestId, static w =>
            {
                w.WriteStartObject();
                w.WriteBoolean("accepted", true);
                w.WriteEndObject();
            }).ConfigureAwait(false);
        }
        catch (SocketClosedException)
        {
            // The service redelivers it after re-attach; it is a duplicate then and acknowledged at once.
        }
    }
}
