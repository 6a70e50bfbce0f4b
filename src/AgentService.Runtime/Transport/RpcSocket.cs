using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using Microsoft.Extensions.Logging;

namespace AgentService.Runtime.Transport;

/// <summary>
/// One WebSocket of the runtime connection: JSON-RPC 2.0 framing, integer request ids unique on this socket,
/// pipelined requests matched to replies by id, the 1 MiB frame limit, and the request timeout (a request
/// unanswered for <c>requestTimeout</c> closes the socket with 1011). Requests from the service go to a handler.
/// </summary>
internal sealed class RpcSocket : IAsyncDisposable
{
    public const int MaxFrameBytes = 1024 * 1024;

    private readonly ClientWebSocket _ws;
    private readonly TimeProvider _time;
    private readonly TimeSpan _requestTimeout;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<SocketClosure> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<RpcSocket, JsonElement, string, JsonElement, Task>? _onRequest;
    private long _nextId;
    private Task? _receiveLoop;

    private RpcSocket(ClientWebSocket ws, TimeProvider time, TimeSpan requestTimeout, ILogger logger)
    {
        _ws = ws;
        _time = time;
        _requestTimeout = requestTimeout;
        _logger = logger;
    }

    /// <summary>Completes when the socket is closed, with how it ended.</summary>
    public Task<SocketClosure> Completion => _completion.Task;

    /// <summary>Cancelled once the socket is closing or closed.</summary>
    public CancellationToken Closing => _closing.Token;

    public bool IsOpen => !_completion.Task.IsCompleted;

    /// <summary>Opens the socket with the run token on the upgrade request.</summary>
    /// <exception cref="RuntimeConnectionException">The service answered 401/403 (unauthenticated; fatal).</exception>
    public static async Task<RpcSocket> ConnectAsync(Uri uri, string runToken, TimeProvider time, TimeSpan requestTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + runToken);
        ws.Options.CollectHttpResponseDetails = true;
        ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        try
        {
            await ws.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex) when (ws.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            ws.Dispose();
            throw new RuntimeConnectionException($"The service refused the run token ({(int)ws.HttpStatusCode}).", RuntimeCloseCodes.Unauthenticated, FatalScopes.Connection, ex);
        }
        catch
        {
            ws.Dispose();
            throw;
        }

        return new RpcSocket(ws, time, requestTimeout, logger);
    }

    /// <summary>Starts reading; <paramref name="onRequest"/> gets (socket, id, method, params) of each service request.</summary>
    public void Start(Func<RpcSocket, JsonElement, string, JsonElement, Task> onRequest)
    {
        _onRequest = onRequest;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Writes a request; the returned task (once written) completes with the reply's <c>result</c>.</summary>
    /// <exception cref="SocketClosedException">The socket is closed.</exception>
    /// <exception cref="RuntimeProtocolException">The frame is over 1 MiB (local <c>payload_too_large</c>).</exception>
    public async Task<Task<JsonElement>> SendRequestAsync(string method, Action<Utf8JsonWriter> writeParams, string? traceParent = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var frame = FrameWriter.Request(id, method, traceParent, writeParams);
        if (frame.WrittenCount > MaxFrameBytes)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.PayloadTooLarge, "payload_too_large",
                $"The {method} frame is {frame.WrittenCount} bytes; frames are limited to {MaxFrameBytes}.", isLocal: true);
        }

        var pending = new Pending(method);
        _pending[id] = pending;
        try
        {
            await SendFrameAsync(frame).ConfigureAwait(false);
        }
        catch
        {
            _pending.TryRemove(id, out _);
            throw;
        }

        pending.StartTimeout(this, id, _time, _requestTimeout);
        return pending.Task;
    }

    /// <summary>Sends a success response to a service request.</summary>
    public Task SendResultAsync(JsonElement id, Action<Utf8JsonWriter> writeResult) => SendFrameAsync(FrameWriter.Result(id, writeResult));

    /// <summary>Sends an error response to a service request.</summary>
    public Task SendErrorAsync(JsonElement? id, int code, string message, JsonElement? details = null) =>
        SendFrameAsync(FrameWriter.Error(id, code, RuntimeErrorCodes.ReasonOf(code) ?? "internal_error", message, RuntimeErrorCodes.IsRetryable(code), details));

    /// <summary>Closes the socket with <paramref name="closeStatus"/> (our side), failing unanswered requests.</summary>
    public async Task CloseAsync(int closeStatus, string description)
    {
        // Record how it ended first (our side), but cancel pending socket operations only after the close frame went
        // out: cancelling a pending receive aborts a WebSocket without a close frame.
        if (!Finish(new SocketClosure(closeStatus, description, ClosedByUs: true, null), cancel: false))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                if (_ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _ws.CloseOutputAsync((WebSocketCloseStatus)closeStatus, description, timeout.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer is gone already; the abort below ends it either way.
        }
        finally
        {
            _closing.Cancel();
            _ws.Abort();
        }
    }

    /// <summary>Closes with 1011 without waiting (a request went unanswered for too long).</summary>
    public void CloseForTimeout(string method)
    {
        Log.RequestTimedOut(_logger, method, _requestTimeout);
        _ = CloseAsync(RuntimeCloseCodes.InternalError, $"{method} unanswered for {_requestTimeout.TotalSeconds:0} s");
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(RuntimeCloseCodes.Normal, "closing").ConfigureAwait(false);
        if (_receiveLoop is not null)
        {
            await _receiveLoop.ConfigureAwait(false);
        }

        // _closing is not disposed: loops that start late still read Closing (it is cancelled, and has no timer).
        _ws.Dispose();
    }

    private async Task SendFrameAsync(ArrayBufferWriter<byte> frame)
    {
        if (!IsOpen)
        {
            throw new SocketClosedException();
        }

        await _sendLock.WaitAsync(Closing).ConfigureAwait(false);
        try
        {
            await _ws.SendAsync(frame.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, Closing).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Finish(new SocketClosure(null, "send failed", ClosedByUs: false, ex));
            throw new SocketClosedException("The runtime socket failed while sending.", ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxFrameBytes + 1));
                        buffer.AsSpan(0, count).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    result = await _ws.ReceiveAsync(buffer.AsMemory(count), Closing).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Finish(new SocketClosure((int?)_ws.CloseStatus, _ws.CloseStatusDescription, ClosedByUs: false, null));
                        return;
                    }

                    count += result.Count;
                    if (count > MaxFrameBytes)
                    {
                        await CloseAsync(RuntimeCloseCodes.MessageTooBig, "frame over 1 MiB").ConfigureAwait(false);
                        return;
                    }
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    Dispatch(buffer.AsMemory(0, count));
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Finish(new SocketClosure((int?)_ws.CloseStatus, _ws.CloseStatusDescription ?? ex.Message, ClosedByUs: false, ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> frame)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException ex)
        {
            Log.BadFrame(_logger, ex);
            _ = SendQuietlyAsync(SendErrorAsync(null, RuntimeErrorCodes.ParseError, "Frame is not valid JSON."));
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id))
            {
                Log.BadFrame(_logger, null);
                return;
            }

            if (root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String)
            {
                var idCopy = id.Clone();
                if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
                {
                    _ = SendQuietlyAsync(SendErrorAsync(idCopy, RuntimeErrorCodes.InvalidRequest, "A request needs object params."));
                    return;
                }

                _ = SendQuietlyAsync(_onRequest!(this, idCopy, method.GetString()!, parameters.Clone()));
                return;
            }

            if (!id.TryGetInt64(out var requestId) || !_pending.TryRemove(requestId, out var pending))
            {
                Log.BadFrame(_logger, null);
                return;
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                pending.Fail(ReadError(error));
            }
            else if (root.TryGetProperty("result", out var resultElement) && resultElement.ValueKind == JsonValueKind.Object)
            {
                pending.Complete(resultElement.Clone());
            }
            else
            {
                pending.Fail(new RuntimeProtocolException(RuntimeErrorCodes.InvalidRequest, "invalid_request", "The reply has neither an object result nor an error."));
            }
        }
    }

    private static RuntimeProtocolException ReadError(JsonElement error)
    {
        try
        {
            var parsed = error.Deserialize(RuntimeJsonContext.Wire.JsonRpcError);
            if (parsed is not null)
            {
                return RuntimeProtocolException.FromError(parsed);
            }
        }
        catch (JsonException)
        {
            // Fall through: an error object without the registered data still tells the code.
        }

        var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var v) ? v : RuntimeErrorCodes.InternalError;
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : $"Error {code}.";
        return new RuntimeProtocolException(code, RuntimeErrorCodes.ReasonOf(code) ?? "unknown", message,
            RuntimeErrorCodes.IsRetryable(code), RuntimeErrorCodes.FatalScopeOf(code));
    }

    private static async Task SendQuietlyAsync(Task send)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (SocketClosedException)
        {
            // The socket went away; the service redelivers or the peer stopped listening.
        }
    }

    private bool Finish(SocketClosure closure, bool cancel = true)
    {
        if (!_completion.TrySetResult(closure))
        {
            return false;
        }

        if (cancel)
        {
            _closing.Cancel();
        }

        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.Fail(new SocketClosedException());
            }
        }

        return true;
    }

    private sealed class Pending(string method)
    {
        private readonly TaskCompletionSource<JsonElement> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ITimer? _timer;

        public Task<JsonElement> Task => _reply.Task;

        public void StartTimeout(RpcSocket socket, long id, TimeProvider time, TimeSpan timeout)
        {
            _timer = time.CreateTimer(_ =>
            {
                if (socket._pending.TryRemove(id, out var self))
                {
                    self.Fail(new SocketClosedException($"{method} was unanswered for {timeout}."));
                    socket.CloseForTimeout(method);
                }
            }, null, timeout, Timeout.InfiniteTimeSpan);
            if (_reply.Task.IsCompleted)
            {
                _timer.Dispose();
            }
        }

        public void Complete(JsonElement result)
        {
            _timer?.Dispose();
            _reply.TrySetResult(result);
        }

        public void Fail(Exception error)
        {
            _timer?.Dispose();
            _reply.TrySetException(error);
        }
    }
}
