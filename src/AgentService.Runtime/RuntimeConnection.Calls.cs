using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Transport;

namespace AgentService.Runtime;

public sealed partial class RuntimeConnection
{
    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, string>> GetSecretsAsync(IEnumerable<string>? names = null, CancellationToken cancellationToken = default)
    {
        RequireCapability(CapabilityNames.SecretsRead);
        string[]? wanted = names is null ? null : [.. names];
        var result = await InvokeAsync(RuntimeMethods.SecretsGet, (w, connectionId) => JsonSerializer.Serialize(w,
            new GetSecretsCommand { RuntimeConnectionId = connectionId, RunId = RunId, Names = wanted }, RuntimeJsonContext.Wire.GetSecretsCommand),
            refuseWhileFenced: false, cancellationToken).ConfigureAwait(false);
        return Read(result, RuntimeJsonContext.Wire.GetSecretsResponse).Secrets;
    }

    /// <inheritdoc />
    public async Task<JsonElement> GetConfigAsync(CancellationToken cancellationToken = default)
    {
        RequireCapability(CapabilityNames.ConfigRead);
        var result = await InvokeAsync(RuntimeMethods.ConfigGet, (w, connectionId) => JsonSerializer.Serialize(w,
            new GetConfigCommand { RuntimeConnectionId = connectionId, RunId = RunId }, RuntimeJsonContext.Wire.GetConfigCommand),
            refuseWhileFenced: false, cancellationToken).ConfigureAwait(false);
        return Read(result, RuntimeJsonContext.Wire.GetConfigResponse).Config;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, string>> GetKvAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        RequireCapability(CapabilityNames.KvRead);
        string[] wanted = [.. keys];
        var result = await InvokeAsync(RuntimeMethods.KvGet, (w, connectionId) => JsonSerializer.Serialize(w,
            new GetKvCommand { RuntimeConnectionId = connectionId, RunId = RunId, Keys = wanted }, RuntimeJsonContext.Wire.GetKvCommand),
            refuseWhileFenced: false, cancellationToken).ConfigureAwait(false);
        return Read(result, RuntimeJsonContext.Wire.GetKvResponse).Kv;
    }

    /// <inheritdoc />
    public async Task SetKvAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        RequireCapability(CapabilityNames.KvWrite);
        var copy = new Dictionary<string, string>(values, StringComparer.Ordinal);
        var result = await InvokeAsync(RuntimeMethods.KvSet, (w, connectionId) => JsonSerializer.Serialize(w,
            new SetKvCommand { RuntimeConnectionId = connectionId, RunId = RunId, Kv = copy }, RuntimeJsonContext.Wire.SetKvCommand),
            refuseWhileFenced: true, cancellationToken).ConfigureAwait(false);
        if (!Read(result, RuntimeJsonContext.Wire.SetKvResponse).Accepted)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.Unavailable, "unavailable", "kv.set was not accepted.", retryable: true);
        }
    }

    private void RequireCapability(string name, string surface = CapabilitySurfaces.Core)
    {
        if (!IsEffective(name, surface))
        {
            throw RuntimeProtocolException.CapabilityNotNegotiated(surface, name);
        }
    }

    private static T Read<T>(JsonElement result, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return result.Deserialize(typeInfo) ?? throw new JsonException("null result");
        }
        catch (JsonException ex)
        {
            throw new RuntimeProtocolException($"The service's reply does not match {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Sends a request and waits for its reply, across reconnects: an unanswered request is kept and resent, in
    /// submission order, after the next successful attach (and recover), with the new runtimeConnectionId.
    /// </summary>
    private async Task<JsonElement> InvokeAsync(string method, Action<Utf8JsonWriter, string> writeParams, bool refuseWhileFenced, CancellationToken cancellationToken)
    {
        var call = new OutboundCall(method, writeParams);
        await _callGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RpcSocket? socket = null;
            string? connectionId = null;
            lock (_lock)
            {
                ThrowIfFailedLocked();
                if (refuseWhileFenced && _fenced)
                {
                    throw new RuntimeFencedException();
                }

                _unanswered.Add(call);
                if (_ready)
                {
                    socket = _socket;
                    connectionId = _attach!.RuntimeConnectionId;
                }
            }

            if (socket is not null)
            {
                await SendCallAsync(call, socket, connectionId!).ConfigureAwait(false);
            }
        }
        finally
        {
            _callGate.Release();
        }

        using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _unanswered.Remove(call);
            }

            call.Cancel(cancellationToken);
        });
        return await call.Task.ConfigureAwait(false);
    }

    private async Task SendCallAsync(OutboundCall call, RpcSocket socket, string connectionId)
    {
        if (call.IsDone)
        {
            return;
        }

        Task<JsonElement> reply;
        try
        {
            reply = await socket.SendRequestAsync(call.Method, w => call.WriteParams(w, connectionId)).ConfigureAwait(false);
        }
        catch (SocketClosedException)
        {
            return;
        }
        catch (RuntimeProtocolException e)
        {
            RemoveCall(call);
            call.Fail(e);
            return;
        }

        _ = ObserveReplyAsync(call, socket, reply);
    }

    private async Task ObserveReplyAsync(OutboundCall call, RpcSocket socket, Task<JsonElement> reply)
    {
        try
        {
            var result = await reply.ConfigureAwait(false);
            RemoveCall(call);
            call.Complete(result);
        }
        catch (SocketClosedException)
        {
            // Unanswered: resent after the next attach.
        }
        catch (RuntimeProtocolException e)
        {
            bool stale;
            lock (_lock)
            {
                stale = _socket != socket;
            }

            if (stale && e.Code is RuntimeErrorCodes.ConnectionSuperseded or RuntimeErrorCodes.NotAttached)
            {
                return;
            }

            RemoveCall(call);
            call.Fail(e);
            if (e.Fatal is not null && !stale)
            {
                Fail(new RuntimeConnectionException($"{call.Method} failed: {e.Reason} ({e.Code}).", null, e.Fatal, e));
            }
        }
    }

    private void RemoveCall(OutboundCall call)
    {
        lock (_lock)
        {
            _unanswered.Remove(call);
        }
    }

    /// <summary>Resends the unanswered requests in order on a newly attached socket, then lets new requests through.</summary>
    private async Task FlushAsync(RpcSocket socket)
    {
        await _callGate.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        try
        {
            List<OutboundCall> calls;
            string connectionId;
            lock (_lock)
            {
                if (_socket != socket || !socket.IsOpen || _failure is not null)
                {
                    return;
                }

                calls = [.. _unanswered];
                connectionId = _attach!.RuntimeConnectionId;
            }

            foreach (var call in calls)
            {
                await SendCallAsync(call, socket, connectionId).ConfigureAwait(false);
            }

            lock (_lock)
            {
                if (_socket == socket && socket.IsOpen && _failure is null && !_fenced)
                {
                    _ready = true;
                }
            }
        }
        finally
        {
            _callGate.Release();
        }
    }
}
