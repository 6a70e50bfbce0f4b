using AgentService.Protocol.Runtime;
using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Schema;
using AgentService.Server.Agents;
using AgentService.Server.Observability;
using AgentService.Server.Runs;
using AgentService.Server.Storage;

namespace AgentService.Server.Runtime;

/// <summary>
/// One runtime WebSocket: JSON-RPC 2.0 frames in both directions (PROTOCOL.md §2). The runtime's commands are handled
/// in the order they arrive; the service's input deliveries are pushed by a pump that starts once the connection is
/// attached (and recovered, after a reconnect). All durable state lives in the stores, so a session can end at any
/// moment and the next attach carries on.
/// </summary>
internal sealed partial class RuntimeSession : IDisposable
{
    /// <summary>How many seconds an acknowledgement the store could not take is tried again.</summary>
    private const int AcknowledgementRetries = 120;

    private const string AttachMethod = "runtime.connection.attach.command";
    private const string HeartbeatMethod = "runtime.connection.heartbeat.command";
    private const string RecoverMethod = "runtime.connection.recover.command";
    private const string SecretsMethod = "runtime.connection.secrets.get.command";
    private const string ConfigMethod = "runtime.connection.config.get.command";
    private const string KvGetMethod = "runtime.connection.kv.get.command";
    private const string KvSetMethod = "runtime.connection.kv.set.command";
    private const string OutputMethod = "runtime.task.output.event";
    private const string InputMethod = "service.task.input.event";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebSocket _socket;
    private readonly string _tokenRunId;
    private readonly RuntimeServices _services;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _deliverySignal = new(0, int.MaxValue);
    private readonly Dictionary<string, string> _inFlight = new(StringComparer.Ordinal);
    private readonly object _inFlightLock = new();
    private readonly CancellationTokenSource _closing = new();
    /// <summary>The acknowledgements of the <c>run.resume</c>s sent, by delivery key (the main run's, and those of
    /// local sub-runs taken over from an earlier attempt).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _resumeAcknowledged = new(StringComparer.Ordinal);

    private RunRecord? _run;
    private AttemptRecord? _attempt;

    /// <summary>This connection took the attempt over from another runtime instance whose lease had lapsed.</summary>
    private bool _takenOver;
    private AgentDefinition? _agent;
    private string? _connectionId;
    private HashSet<string> _effective = [];
    private bool _recovered;

    /// <summary>Attached with <c>reconnect:true</c> and not yet recovered: only <c>recover</c> is accepted (PROTOCOL.md §6).</summary>
    private bool _awaitingRecover;
    private string? _instanceId;
    private long _attachEpoch;
    private bool _superseded;
    private long _outgoingIds;
    private int _closeCode = (int)WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";
    private Task? _pump;

    public RuntimeSession(WebSocket socket, string tokenRunId, RuntimeServices services, ILogger logger, string? remoteAddress = null)
    {
        _socket = socket;
        _tokenRunId = tokenRunId;
        _services = services;
        _logger = logger;
        _remoteAddress = remoteAddress;
        _frameLimiter = NewFrameLimiter(services.RateLimits.RuntimeFrames);
    }

    private RuntimeOptions Options => _services.Options;

    /// <summary>Serves the socket until it closes or the service stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        // The receive loop ends when the peer answers our close; at service stop the close (1012) is sent the same way,
        // so a cancelled receive never aborts the socket without its close frame. _closing stops the pump.
        var token = CancellationToken.None;
        using var onStop = stopping.Register(() => RequestClose(1012, "service restart"));
        var attachDeadline = _services.Time.GetUtcNow() + TimeSpan.FromSeconds(Options.AttachTimeoutSeconds);
        using var attachTimer = _services.Time.CreateTimer(_ =>
        {
            if (_connectionId is null)
            {
                RequestClose(4000, "attach timeout");
            }
        }, null, TimeSpan.FromSeconds(Options.AttachTimeoutSeconds), Timeout.InfiniteTimeSpan);

        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (_socket.State == WebSocketState.Open && !token.IsCancellationRequested)
            {
                var memory = message.GetMemory(16 * 1024);
                var result = await _socket.ReceiveAsync(memory, token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Advance(result.Count);
                if (message.WrittenCount > Options.MaxFrameBytes)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"frames are limited to {Options.MaxFrameBytes} bytes");
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await CloseAsync((WebSocketCloseStatus)4000, "binary frames are not part of the protocol");
                    return;
                }

                if (_frameLimiter is not null && !_frameLimiter.AttemptAcquire().IsAcquired)
                {
                    await RefuseRateLimitedAsync(message.WrittenMemory, token);
                }
                else
                {
                    await HandleFrameAsync(message.WrittenMemory, token);
                }

                message.ResetWrittenCount();

                // A command that awaited a store write resumes on the store's writer thread (writes complete their
                // callers inline). Reading and validating the next frame there would hold up every other write
                // behind this connection's parsing: the next frame is handled on a pool thread instead.
                await Task.Yield();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Closing on request (superseded, lease lost, attach timeout) or the service is stopping.
        }
        catch (WebSocketException)
        {
            // The peer went away without a close handshake (the next attach carries on), or the WebSocket layer failed
            // the connection itself: a text frame that is not UTF-8 (RFC 6455 §8.1, close 1007, then the connection is dropped).
        }
        finally
        {
            if (_run is not null && _connectionId is not null)
            {
                Observability.ServiceTelemetry.RuntimeConnections.Add(-1);
                _services.Signals.Unbind(_run.RunId, _connectionId, this);
                if (!_closing.IsCancellationRequested)
                {
                    // The runtime went away (not closed by us, nor by the service stopping): now that the run is free,
                    // the launcher looks again — its process may have exited while this socket still held the run.
                    _services.Launcher.OnRuntimeLeft(_run.RunId);
                }
            }

            UnbindSubRuns();
            await CloseAsync((WebSocketCloseStatus)_closeCode, _closeReason);
        }
    }

    /// <summary>Closes the socket with <paramref name="code"/> (from any thread): sends the close frame at once and
    /// aborts the socket if the peer does not answer it within 5 s.</summary>
    public void RequestClose(int code, string reason)
    {
        _superseded |= code == 4001;
        _closeCode = code;
        _closeReason = reason;

        // From now on this session does not hold its run: a new attempt or attach may take it at once.
        if (_run is not null && _connectionId is not null)
        {
            _services.Signals.Unbind(_run.RunId, _connectionId, this);
        }

        UnbindSubRuns();
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return; // The session already ended.
        }

        _ = Task.Run(async () =>
        {
            await CloseAsync((WebSocketCloseStatus)code, reason);
            await Task.Delay(TimeSpan.FromSeconds(5), _services.Time);
            if (_socket.State is WebSocketState.CloseSent or WebSocketState.Open)
            {
                _socket.Abort();
            }
        });
    }

    public void Dispose()
    {
        _closing.Dispose();
        _frameLimiter?.Dispose();
        _deliverySignal.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>Wakes the delivery pump of the run (the main run, or a local sub-run bound here).</summary>
    public void WakeDeliveries(string runId)
    {
        if (_subRuns.TryGetValue(runId, out var subRun))
        {
            subRun.Signal.Release();
        }
        else
        {
            _deliverySignal.Release();
        }
    }

    private async Task HandleFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame, new JsonDocumentOptions { MaxDepth = Options.MaxFrameDepth });
        }
        catch (JsonException)
        {
            await SendErrorAsync(null, RuntimeErrorCodes.ParseError, $"The frame is not valid JSON (or nested deeper than {Options.MaxFrameDepth} levels).", null, cancellationToken);
            return;
        }

        if (Json.JsonInput.HasUnpairedSurrogateEscape(frame.Span, Options.MaxFrameDepth))
        {
            document.Dispose();
            await SendErrorAsync(null, RuntimeErrorCodes.ParseError, "The frame escapes an unpaired surrogate (e.g. \\ud800), which is no text.", null, cancellationToken);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                await SendErrorAsync(null, RuntimeErrorCodes.InvalidRequest, "A frame is one JSON-RPC object (no batches).", null, cancellationToken);
                return;
            }

            var hasId = root.TryGetProperty("id", out var id);
            if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
            {
                await SendErrorAsync(hasId && ValidId(id) ? id : null, RuntimeErrorCodes.InvalidRequest, "jsonrpc must be \"2.0\".", Pointer("/jsonrpc", "must be \"2.0\""), cancellationToken);
                return;
            }

            if (!root.TryGetProperty("method", out var method))
            {
                if (hasId && (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _)))
                {
                    try
                    {
                        await HandleReplyAsync(root, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException && ex is not System.Net.WebSockets.WebSocketException)
                    {
                        // A reply has no answer to carry an error: the runtime reconnects and gets what was not acknowledged.
                        Log.RuntimeCommandFailed(_logger, "reply", _run?.RunId ?? _tokenRunId, ex);
                        RequestClose(1011, "internal error");
                    }

                    return;
                }

                await SendErrorAsync(null, RuntimeErrorCodes.InvalidRequest, "A frame is a request (method, id, params) or a response (id, result|error).", null, cancellationToken);
                return;
            }

            if (!hasId || !ValidId(id))
            {
                await SendErrorAsync(null, RuntimeErrorCodes.InvalidRequest, "Requests need an id: a string of 1-128 characters or an integer (no notifications).", Pointer("/id", "must be a string of 1-128 characters or an integer"), cancellationToken);
                return;
            }

            if (method.ValueKind != JsonValueKind.String)
            {
                await SendErrorAsync(id, RuntimeErrorCodes.InvalidRequest, "method must be a string.", Pointer("/method", "must be a string"), cancellationToken);
                return;
            }

            if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
            {
                await SendErrorAsync(id, RuntimeErrorCodes.InvalidParams, "params must be an object.", Pointer("/params", "must be an object"), cancellationToken);
                return;
            }

            var methodName = method.GetString()!;
            if (!IsRuntimeCommand(methodName) || !RuntimeProtocolSchemas.TryGetChannelUri(methodName, out var schemaUri))
            {
                await SendErrorAsync(id, RuntimeErrorCodes.MethodNotFound, $"Unknown method '{(methodName.Length > 100 ? methodName[..100] + "..." : methodName)}'.", null, cancellationToken);
                return;
            }

            // Every payload is validated against the schema of its channel before anything happens.
            var validation = RuntimeProtocolSchemas.Set.Validate(root, schemaUri!);
            if (!validation.IsValid)
            {
                var best = validation.BestMatch!;
                var details = validation.ToErrorDetails();
                await SendErrorAsync(id, RuntimeErrorCodes.InvalidParams, $"{(best.InstanceLocation.Length == 0 ? "/" : best.InstanceLocation)}: {best.Message}",
                    w =>
                    {
                        foreach (var property in details.EnumerateObject())
                        {
                            property.WriteTo(w);
                        }
                    }, cancellationToken);
                return;
            }

            try
            {
                await DispatchAsync(methodName, id, parameters, root, cancellationToken);
                AuditSuccess(methodName, parameters);
            }
            catch (RuntimeProtocolException ex)
            {
                AuditRefusal(methodName, parameters, ex);
                await SendErrorAsync(id, ex.Code, ex.Message, ex.Details, cancellationToken);
                if (ex.CloseCode is { } close)
                {
                    RequestClose(close, ex.Message);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not System.Net.WebSockets.WebSocketException && _services.Storage.IsOutage(ex))
            {
                // The store is unreachable: nothing of the command was stored; the runtime tries again after a pause.
                if (_services.Unavailable.Record(out var before))
                {
                    Log.RuntimeCommandUnavailable(_logger, methodName, _run?.RunId ?? _tokenRunId, before, ex.Message);
                }
                else
                {
                    Log.RuntimeCommandStillUnavailable(_logger, methodName, _run?.RunId ?? _tokenRunId, ex.Message);
                }

                await SendErrorAsync(id, RuntimeErrorCodes.Unavailable, "The service's store is unavailable right now; retry the command.", null, cancellationToken, retryAfterMs: 1000);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not System.Net.WebSockets.WebSocketException)
            {
                // Nothing the runtime sent may take the session down: the failure is logged and answered as retryable.
                Log.RuntimeCommandFailed(_logger, methodName, _run?.RunId ?? _tokenRunId, ex);
                await SendErrorAsync(id, RuntimeErrorCodes.InternalError, "The command failed inside the service; retry it.", null, cancellationToken);
            }
        }
    }

    private Task DispatchAsync(string method, JsonElement id, JsonElement parameters, JsonElement frame, CancellationToken cancellationToken)
    {
        if (method == AttachMethod)
        {
            return AttachAsync(id, parameters, frame, cancellationToken);
        }

        if (_connectionId is null)
        {
            if (method is HeartbeatMethod or RecoverMethod or SecretsMethod or ConfigMethod or KvGetMethod or KvSetMethod or OutputMethod)
            {
                throw new RuntimeProtocolException(RuntimeErrorCodes.NotAttached, "Attach first: the first frame must be runtime.connection.attach.command.");
            }
        }
        else if (_awaitingRecover && method != RecoverMethod)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.InvalidRequest, "After a reconnect attach the first request is runtime.connection.recover.command.");
        }

        return method switch
        {
            HeartbeatMethod => HeartbeatAsync(id, parameters, cancellationToken),
            RecoverMethod => RecoverAsync(id, parameters, cancellationToken),
            SecretsMethod => SecretsAsync(id, parameters, cancellationToken),
            ConfigMethod => ConfigAsync(id, parameters, cancellationToken),
            KvGetMethod => KvGetAsync(id, parameters, cancellationToken),
            KvSetMethod => KvSetAsync(id, parameters, cancellationToken),
            OutputMethod => OutputAsync(id, parameters, frame, cancellationToken),
            _ => throw new RuntimeProtocolException(RuntimeErrorCodes.MethodNotFound, $"Unknown method '{method}'."),
        };
    }

    private static bool IsRuntimeCommand(string method) =>
        method is AttachMethod or HeartbeatMethod or RecoverMethod or SecretsMethod or ConfigMethod or KvGetMethod or KvSetMethod or OutputMethod;

    private static bool ValidId(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.String => id.GetString() is { Length: >= 1 and <= 128 },
        JsonValueKind.Number => id.TryGetInt64(out _),
        _ => false,
    };

    /// <summary>The <c>details</c> of a request refused for one member: <c>pointer</c>, and <c>errors</c> as
    /// <c>[{pointer, message}]</c> (wire/frame.json, code -32602).</summary>
    internal static Action<Utf8JsonWriter> Pointer(string pointer, string message) => w =>
    {
        w.WriteString("pointer", pointer);
        w.WriteStartArray("errors");
        w.WriteStartObject();
        w.WriteString("pointer", pointer);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndArray();
    };

    /// <summary>Sends one JSON-RPC frame (sends are serialized: a WebSocket takes one at a time).</summary>
    private async Task SendFrameAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            write(writer);
            writer.WriteEndObject();
        }

        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private Task SendResultAsync(JsonElement id, Action<Utf8JsonWriter> result, CancellationToken cancellationToken) =>
        SendFrameAsync(w =>
        {
            w.WritePropertyName("id");
            id.WriteTo(w);
            w.WritePropertyName("result");
            w.WriteStartObject();
            result(w);
            w.WriteEndObject();
        }, cancellationToken);

    private Task SendErrorAsync(JsonElement? id, int code, string message, Action<Utf8JsonWriter>? details, CancellationToken cancellationToken, int? retryAfterMs = null) =>
        SendFrameAsync(w =>
        {
            w.WritePropertyName("id");
            if (id is { } value)
            {
                value.WriteTo(w);
            }
            else
            {
                w.WriteNullValue();
            }

            w.WriteStartObject("error");
            w.WriteNumber("code", code);
            w.WriteString("message", message);
            w.WriteStartObject("data");
            w.WriteString("reason", RuntimeErrorCodes.ReasonOf(code)!);
            w.WriteBoolean("retryable", RuntimeErrorCodes.IsRetryable(code));
            if (RuntimeErrorCodes.FatalScopeOf(code) is { } fatal)
            {
                w.WriteString("fatal", fatal);
            }

            if (retryAfterMs is { } after)
            {
                w.WriteNumber("retryAfterMs", after);
            }

            if (details is not null)
            {
                w.WriteStartObject("details");
                details(w);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }, cancellationToken);

    /// <summary>A close reason fits in 123 UTF-8 bytes (RFC 6455 §5.5); longer ones (any text a refusal quotes) are cut
    /// at a character boundary, else the close itself would fail and the socket would stay open.</summary>
    internal static string CloseReason(string reason)
    {
        const int MaxBytes = 123;
        if (Encoding.UTF8.GetByteCount(reason) <= MaxBytes)
        {
            return reason;
        }

        var builder = new StringBuilder();
        var bytes = 0;
        foreach (var rune in reason.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > MaxBytes)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    private async Task CloseAsync(WebSocketCloseStatus code, string reason)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            if (!await _sendLock.WaitAsync(TimeSpan.FromSeconds(5)))
            {
                _socket.Abort(); // A send is stuck: the peer does not read.
                return;
            }

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(code, CloseReason(reason), timeout.Token);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone; nothing to tell it.
        }
    }
}
