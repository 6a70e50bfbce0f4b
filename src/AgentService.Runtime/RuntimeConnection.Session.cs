using System.Net.WebSockets;
using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Deliveries;
using AgentService.Runtime.Transport;

namespace AgentService.Runtime;

public sealed partial class RuntimeConnection
{
    private bool _bound;
    private int _socketNode;

    private static bool IsTransient(Exception error) => error is SocketClosedException or WebSocketException or HttpRequestException
        or IOException or TimeoutException or RuntimeProtocolException { Retryable: true };

    private static RuntimeConnectionException Refused(RuntimeProtocolException error) =>
        new($"Attach refused: {error.Reason} ({error.Code}): {error.Message}", null, error.Fatal ?? FatalScopes.Connection, error);

    /// <summary>The first attach: transient failures are retried with backoff until the connect timeout; an epoch
    /// refused as fenced (a new process taking over an attempt whose lease lapsed) is retried once above the stored epoch.</summary>
    private async Task ConnectFirstAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var tookOver = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await AttachAsync(reconnect: false, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RuntimeProtocolException e) when (e.Code == RuntimeErrorCodes.EpochFenced && !tookOver && e.StoredEpoch is { } stored)
            {
                tookOver = true;
                long next;
                lock (_lock)
                {
                    _epoch = Math.Max(_epoch, stored);
                    next = _epoch + 1;
                }

                Log.EpochTakeover(_logger, stored, stored, next);
            }
            catch (RuntimeProtocolException e) when (!e.Retryable)
            {
                throw Refused(e);
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                var delay = Backoff.Delay(attempt, _options.ReconnectMinDelay, _options.ReconnectMaxDelay);
                if (_time.GetElapsedTime(started) + delay > _options.ConnectTimeout)
                {
                    throw new RuntimeConnectionException($"Could not attach to {string.Join(", ", _endpoints.Urls)} within {_options.ConnectTimeout}.", ex);
                }

                Log.ReconnectFailed(_logger, attempt + 1, delay, ex);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens a socket to the node in use, attaches with the next epoch, recovers after a reconnect, then binds.
    /// A transient failure moves to the next node (round robin) for the next try.</summary>
    private async Task AttachAsync(bool reconnect, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ThrowIfFailedLocked();
        }

        var (url, node) = _endpoints.Current;
        RpcSocket socket;
        try
        {
            socket = await RpcSocket.ConnectAsync(ServiceEndpoints.WebSocketUriFor(url), _options.RunToken, _time, _options.RequestTimeout, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            _endpoints.MoveNext(node, ex);
            throw;
        }

        // An epoch counts as used once the socket is open and the attach carrying it may be sent (a node that refused
        // the socket never saw it), so a first attach keeps epoch 0 even when the first node is down.
        long epoch;
        lock (_lock)
        {
            epoch = _epochUsed ? ++_epoch : _epoch;
            _epochUsed = true;
            _socket = socket;
            _socketNode = node;
            _bound = false;
            _ready = false;
        }

        socket.Start(OnServiceRequestAsync);
        try
        {
            var request = new RuntimeAttachRequest
            {
                RunId = _options.RunId,
                AttemptId = _options.AttemptId,
                RuntimeInstanceId = _options.RuntimeInstanceId,
                ProtocolVersion = RuntimeMethods.ProtocolVersion,
                Reconnect = reconnect,
                ConnectionEpoch = epoch,
                SdkCapabilities = [.. _options.Capabilities],
            };
            var sentAt = _time.GetTimestamp();
            var pending = await socket.SendRequestAsync(RuntimeMethods.Attach,
                w => JsonSerializer.Serialize(w, request, RuntimeJsonContext.Wire.RuntimeAttachRequest), TraceContext.Current()).ConfigureAwait(false);
            var attach = (await pending.WaitAsync(cancellationToken).ConfigureAwait(false)).Deserialize(RuntimeJsonContext.Wire.RuntimeAttachResponse)
                ?? throw new RuntimeProtocolException(RuntimeErrorCodes.InvalidRequest, "invalid_request", "The attach reply is empty.");
            if (!attach.EffectiveSdkCapabilities.Any(c => c is { Surface: CapabilitySurfaces.Core, Name: CapabilityNames.InputReceive, IsSupported: true })
                || !attach.EffectiveSdkCapabilities.Any(c => c is { Surface: CapabilitySurfaces.Core, Name: CapabilityNames.OutputPublish, IsSupported: true }))
            {
                throw new RuntimeConnectionException("The service attached without input.receive and output.publish effective.", null, FatalScopes.Connection);
            }

            if (reconnect)
            {
                await RecoverAsync(socket, attach.RuntimeConnectionId, epoch, cancellationToken).ConfigureAwait(false);
            }

            await BindAsync(socket, attach, epoch, sentAt, reconnect).ConfigureAwait(false);
        }
        catch (RuntimeProtocolException e) when (reconnect && !e.Retryable)
        {
            await socket.DisposeAsync().ConfigureAwait(false);
            throw Refused(e);
        }
        catch (Exception ex)
        {
            await socket.DisposeAsync().ConfigureAwait(false);
            if (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                _endpoints.MoveNext(node, ex);
            }

            throw;
        }
    }

    /// <summary>
    /// <c>recover</c> after a reconnect attach: binds the main run and the local sub-runs alive here. The service binds
    /// all or none; a sub-run it refuses as finished (1022: e.g. one that waited for a dependency that failed, or was
    /// cancelled before it started, which the service ended without telling this process) or as not a live local
    /// sub-run of this attempt (1021) is dropped here, and the rest is asked for again (PROTOCOL.md §6).
    /// </summary>
    private async Task RecoverAsync(RpcSocket socket, string connectionId, long epoch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string[] subRuns;
            lock (_lock)
            {
                subRuns = [.. _runs.Values.Where(r => r != _main).Select(r => r.RunId)];
            }

            var recover = new RecoverConnectionsCommand { RuntimeConnectionId = connectionId, MainRunId = _options.RunId, SubRunIds = subRuns, ConnectionEpoch = epoch };
            try
            {
                var recovering = await socket.SendRequestAsync(RuntimeMethods.Recover,
                    w => JsonSerializer.Serialize(w, recover, RuntimeJsonContext.Wire.RecoverConnectionsCommand)).ConfigureAwait(false);
                var recovered = (await recovering.WaitAsync(cancellationToken).ConfigureAwait(false)).Deserialize(RuntimeJsonContext.Wire.RecoverConnectionsResponse);
                if (recovered is not { Accepted: true })
                {
                    throw new RuntimeProtocolException(RuntimeErrorCodes.Unavailable, "unavailable", "recover was not accepted.", retryable: true);
                }

                return;
            }
            catch (RuntimeProtocolException e) when (e.Code is RuntimeErrorCodes.UnknownRun or RuntimeErrorCodes.RunFinished && attempt <= 3 && DropRefusedSubRuns(e) > 0)
            {
                // Asked again without them. A refusal that names no sub-run of ours (the main run itself) ends the connection.
            }
        }
    }

    /// <summary>Forgets the local sub-runs a refused recover names (<c>details.runIds</c>); returns how many.</summary>
    private int DropRefusedSubRuns(RuntimeProtocolException refusal)
    {
        if (refusal.Details is not { ValueKind: JsonValueKind.Object } details || !details.TryGetProperty("runIds", out var runIds) || runIds.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        var dropped = 0;
        lock (_lock)
        {
            foreach (var runId in runIds.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : null))
            {
                if (runId is not null && _runs.TryGetValue(runId, out var run) && run != _main)
                {
                    _runs.Remove(runId);
                    Log.SubRunDropped(_logger, runId, refusal.Reason);
                    dropped++;
                }
            }
        }

        return dropped;
    }

    /// <summary>Makes the socket current: lease restarted from the attach, fencing lifted, deliveries handed out again,
    /// unanswered requests resent in order with the new runtimeConnectionId, heartbeats started.</summary>
    private async Task BindAsync(RpcSocket socket, RuntimeAttachResponse attach, long epoch, long sentAt, bool reconnect)
    {
        var ready = new List<(RunState Run, TrackedDelivery Tracked)>();
        var acknowledgeNow = new List<(TaskInputDelivery Delivery, ReplyTarget? Target, DeliveryDisposition Why)>();
        CancellationTokenSource? previousWork = null;
        lock (_lock)
        {
            ThrowIfFailedLocked();
            _attach = attach;
            _bound = true;
            _heartbeatInterval = TimeSpan.FromMilliseconds(attach.HeartbeatIntervalMs);
            _nextHeartbeatDueAt = _time.GetUtcNow() + _heartbeatInterval;
            _lastAcceptedTimestamp = sentAt;
            _main.SessionId = attach.SessionId;
            _state = RuntimeConnectionState.Attached;
            if (_fenced)
            {
                _fenced = false;
                if (!_cancelRequested)
                {
                    previousWork = _work;
                    _work = new CancellationTokenSource();
                }

                var now = _time.GetUtcNow();
                foreach (var run in _runs.Values)
                {
                    var handedOut = new List<TrackedDelivery>();
                    run.Tracker.Resume(now, handedOut, acknowledgeNow);
                    ready.AddRange(handedOut.Select(t => (run, t)));
                }

                _unfenced.TrySetResult();
            }

            foreach (var (run, tracked) in ready)
            {
                HandOutLocked(run, tracked);
            }

            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(Task.Run(() => HeartbeatLoopAsync(socket), CancellationToken.None));
        }

        previousWork?.Dispose();
        Log.Attached(_logger, _options.RunId, _options.AttemptId, attach.RuntimeConnectionId, epoch, reconnect);
        foreach (var (delivery, target, why) in acknowledgeNow)
        {
            LogAcknowledged(delivery, why);
            await SendAcknowledgementAsync(target).ConfigureAwait(false);
        }

        await FlushAsync(socket).ConfigureAwait(false);
    }

    /// <summary>Waits for the socket to end, then re-attaches with backoff until it works or something is fatal.</summary>
    private async Task RunAsync()
    {
        while (true)
        {
            RpcSocket? socket;
            int node;
            lock (_lock)
            {
                socket = _socket;
                node = _socketNode;
            }

            if (socket is null)
            {
                return;
            }

            var closure = await socket.Completion.ConfigureAwait(false);
            lock (_lock)
            {
                if (_socket == socket)
                {
                    _ready = false;
                    _bound = false;
                    if (_failure is null)
                    {
                        _state = _fenced ? RuntimeConnectionState.Fenced : RuntimeConnectionState.Reconnecting;
                    }
                }

                if (_failure is not null)
                {
                    return;
                }
            }

            if (!closure.ClosedByUs && closure.CloseStatus is { } code && RuntimeCloseCodes.IsFatal(code))
            {
                var scope = code is RuntimeCloseCodes.LeaseExpired or RuntimeCloseCodes.AttemptSuperseded ? FatalScopes.Attempt : FatalScopes.Connection;
                Fail(new RuntimeConnectionException($"The service closed the runtime connection with {code} ({closure.Description}).", code, scope));
                return;
            }

            Log.ConnectionLost(_logger, closure.CloseStatus, closure.Description, closure.Error);
            _endpoints.MoveNext(node, closure.Error);
            var lostAt = _time.GetTimestamp();
            for (var attempt = 0; ; attempt++)
            {
                var delay = Backoff.Delay(attempt, _options.ReconnectMinDelay, _options.ReconnectMaxDelay);
                if (_options.ReconnectTimeout != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(lostAt) + delay > _options.ReconnectTimeout)
                {
                    Fail(new RuntimeConnectionException(
                        $"Could not re-attach to {string.Join(", ", _endpoints.Urls)} within {_options.ReconnectTimeout}; the service has started a new attempt by now."));
                    return;
                }

                try
                {
                    await Task.Delay(delay, _time, _lifetime.Token).ConfigureAwait(false);
                    await AttachAsync(reconnect: true, _lifetime.Token).ConfigureAwait(false);
                    break;
                }
                catch (Exception) when (_lifetime.IsCancellationRequested)
                {
                    return;
                }
                catch (RuntimeConnectionException ex)
                {
                    Fail(ex);
                    return;
                }
                catch (Exception ex) when (IsTransient(ex))
                {
                    Log.ReconnectFailed(_logger, attempt + 1, delay, ex);
                }
                catch (Exception ex)
                {
                    Fail(new RuntimeConnectionException("Re-attach failed: " + ex.Message, ex));
                    return;
                }
            }
        }
    }

    /// <summary>Heartbeats at nextHeartbeatDueAt and at least every interval; accepted renews the lease from the send time.</summary>
    private async Task HeartbeatLoopAsync(RpcSocket socket)
    {
        var token = socket.Closing;
        try
        {
            while (true)
            {
                TimeSpan wait;
                HeartbeatCommand command;
                lock (_lock)
                {
                    if (_socket != socket || _failure is not null)
                    {
                        return;
                    }

                    var untilDue = _nextHeartbeatDueAt - _time.GetUtcNow();
                    wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue > _heartbeatInterval ? _heartbeatInterval : untilDue;
                    command = new HeartbeatCommand
                    {
                        RuntimeConnectionId = _attach!.RuntimeConnectionId,
                        RunId = _options.RunId,
                        RuntimeInstanceId = _options.RuntimeInstanceId,
                        Metadata = JsonSerializer.SerializeToElement(
                            new Dictionary<string, int>
                            {
                                ["activeRuns"] = _runs.Count,
                                ["queuedOutputEvents"] = _runs.Values.Sum(r => r.Pending.Count),
                            },
                            RuntimeSdkJsonContext.Default.DictionaryStringInt32),
                    };
                }

                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, token).ConfigureAwait(false);
                }

                var sentAt = _time.GetTimestamp();
                var pending = await socket.SendRequestAsync(RuntimeMethods.Heartbeat,
                    w => JsonSerializer.Serialize(w, command, RuntimeJsonContext.Wire.HeartbeatCommand)).ConfigureAwait(false);
                var reply = (await pending.WaitAsync(token).ConfigureAwait(false)).Deserialize(RuntimeJsonContext.Wire.HeartbeatResponse)
                    ?? throw new RuntimeProtocolException(RuntimeErrorCodes.InvalidRequest, "invalid_request", "The heartbeat reply is empty.");
                if (!reply.Accepted)
                {
                    Log.HeartbeatRefused(_logger);
                    Fence("the heartbeat was not accepted (lease lapsed)");
                    return;
                }

                lock (_lock)
                {
                    if (_socket == socket && !_fenced)
                    {
                        _lastAcceptedTimestamp = Math.Max(_lastAcceptedTimestamp, sentAt);
                    }

                    var floor = _time.GetUtcNow() + TimeSpan.FromTicks(Math.Min(_heartbeatInterval.Ticks / 10, TimeSpan.TicksPerSecond));
                    _nextHeartbeatDueAt = reply.NextHeartbeatDueAt < floor ? floor : reply.NextHeartbeatDueAt;
                }

                Log.HeartbeatAccepted(_logger, reply.NextHeartbeatDueAt);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketClosedException)
        {
            // The socket ended; the run loop re-attaches.
        }
        catch (RuntimeProtocolException e) when (e.Fatal is not null)
        {
            Fail(new RuntimeConnectionException($"Heartbeat refused: {e.Reason} ({e.Code}).", null, e.Fatal, e));
        }
        catch (RuntimeProtocolException)
        {
            // A non-fatal error (unavailable, rate limited): re-attach rather than run without a lease.
            await socket.CloseAsync(RuntimeCloseCodes.Normal, "heartbeat failed; re-attaching").ConfigureAwait(false);
        }
    }

    /// <summary>Self-fencing on the monotonic clock: once 3 x interval passed since the last accepted heartbeat (or attach) was sent.</summary>
    private async Task WatchLeaseAsync()
    {
        while (true)
        {
            Task? unfenced = null;
            var remaining = TimeSpan.Zero;
            var lease = TimeSpan.Zero;
            lock (_lock)
            {
                if (_failure is not null)
                {
                    return;
                }

                if (_fenced)
                {
                    unfenced = _unfenced.Task;
                }
                else
                {
                    lease = 3 * _heartbeatInterval;
                    remaining = lease - _time.GetElapsedTime(_lastAcceptedTimestamp);
                }
            }

            try
            {
                if (unfenced is not null)
                {
                    await unfenced.WaitAsync(_lifetime.Token).ConfigureAwait(false);
                }
                else if (remaining <= TimeSpan.Zero)
                {
                    Fence($"no heartbeat accepted within the lease ({lease.TotalSeconds:0.#} s)");
                }
                else
                {
                    await Task.Delay(remaining, _time, _lifetime.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Stops side effects and output: the work token is cancelled, handed-out deliveries are taken back, the
    /// socket is closed so that the run loop re-attaches with a higher epoch.</summary>
    private void Fence(string reason)
    {
        RpcSocket? socket;
        CancellationTokenSource work;
        lock (_lock)
        {
            if (_fenced || _failure is not null)
            {
                return;
            }

            _fenced = true;
            _ready = false;
            _state = RuntimeConnectionState.Fenced;
            _unfenced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var run in _runs.Values)
            {
                run.Tracker.Pause();
            }

            socket = _bound ? _socket : null;
            work = _work;
        }

        Log.Fenced(_logger, reason);
        work.Cancel();
        if (socket is not null)
        {
            _ = socket.CloseAsync(RuntimeCloseCodes.Normal, "fenced; re-attaching");
        }
    }
}
