using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentService.Protocol.Schema;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>
/// A runtime written by hand over a real WebSocket: sends JSON-RPC frames, matches replies by id, queues the
/// service's input deliveries, and checks every frame the service sends against the schema of its channel.
/// </summary>
internal sealed class RawRuntime : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Channel<JsonElement> _deliveries = Channel.CreateUnbounded<JsonElement>();
    private readonly ConcurrentDictionary<string, string> _methodsById = new();
    private Task _receive = Task.CompletedTask;
    private int _nextId;

    public List<string> SchemaErrors { get; } = [];

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public TaskCompletionSource<WebSocketCloseStatus?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<RawRuntime> ConnectAsync(Uri serviceUrl, string? token)
    {
        var runtime = new RawRuntime();
        if (token is not null)
        {
            runtime._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        var uri = new UriBuilder(serviceUrl) { Scheme = serviceUrl.Scheme == "https" ? "wss" : "ws", Path = "/runtime" }.Uri;
        await runtime._socket.ConnectAsync(uri, CancellationToken.None);
        runtime._receive = runtime.ReceiveLoopAsync();
        return runtime;
    }

    /// <summary>Sends a request and waits for its response (result or error).</summary>
    public async Task<JsonElement> RequestAsync(string method, JsonNode parameters, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var frame = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };
        return await SendAndWaitAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture), method, frame.ToJsonString(), timeout);
    }

    /// <summary>Sends raw text and waits for the response with <paramref name="id"/>.</summary>
    public async Task<JsonElement> SendAndWaitAsync(string id, string method, string text, TimeSpan? timeout = null)
    {
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        _methodsById[id] = method;
        await SendTextAsync(text);
        return await completion.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
    }

    public Task SendTextAsync(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public async Task<JsonElement> AttachAsync(string runId, string? attemptId, string instanceId = "rti_test", long epoch = 0, bool reconnect = false, IEnumerable<string>? capabilities = null, string version = "v1")
    {
        var caps = new JsonArray();
        foreach (var name in capabilities ?? ["input.receive", "output.publish", "config.read", "secrets.read", "kv.read", "kv.write", "tool.call", "checkpoint.save"])
        {
            caps.Add(new JsonObject { ["surface"] = "core", ["name"] = name, ["supportLevel"] = "native" });
        }

        var parameters = new JsonObject
        {
            ["runId"] = runId,
            ["runtimeInstanceId"] = instanceId,
            ["protocolVersion"] = version,
            ["reconnect"] = reconnect,
            ["connectionEpoch"] = epoch,
            ["sdkCapabilities"] = caps,
        };
        if (attemptId is not null)
        {
            parameters["attemptId"] = attemptId;
        }

        return await RequestAsync("runtime.connection.attach.command", parameters);
    }

    /// <summary>The next input delivery (the params of service.task.input.event), with the id to answer.</summary>
    public async Task<(string RequestId, JsonElement Delivery)> NextDeliveryAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var frame = await _deliveries.Reader.ReadAsync(cts.Token);
        return (frame.GetProperty("id").GetString()!, frame.GetProperty("params"));
    }

    public bool TryNextDelivery(out JsonElement delivery)
    {
        var ok = _deliveries.Reader.TryRead(out var frame);
        delivery = ok ? frame.GetProperty("params") : default;
        return ok;
    }

    public Task AcknowledgeAsync(string requestId) =>
        SendTextAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId, ["result"] = new JsonObject { ["accepted"] = true } }.ToJsonString());

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        await _receive.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
    }

    /// <summary>Drops the connection without a close handshake (a crash or network cut).</summary>
    public void Abort() => _socket.Abort();

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(message.ToArray());
                message.SetLength(0);
                var frame = document.RootElement.Clone();
                Route(frame);
            }
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            Closed.TrySetResult(_socket.CloseStatus);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new WebSocketException("closed"));
            }
        }
    }

    private void Route(JsonElement frame)
    {
        if (frame.TryGetProperty("method", out var method))
        {
            Check(frame, method.GetString()!);
            _deliveries.Writer.TryWrite(frame);
            return;
        }

        var id = frame.GetProperty("id").ToString();
        if (frame.TryGetProperty("error", out _))
        {
            Check(frame, "error");
        }
        else if (_methodsById.TryGetValue(id, out var requestMethod))
        {
            Check(frame, requestMethod.Replace(".command", ".reply", StringComparison.Ordinal).Replace("runtime.task.output.event", "runtime.task.output.reply", StringComparison.Ordinal));
        }

        if (_pending.TryRemove(id, out var completion))
        {
            completion.TrySetResult(frame);
        }
    }

    private void Check(JsonElement frame, string channel)
    {
        var uri = channel == "error" ? RuntimeProtocolSchemas.ErrorResponseFrame : RuntimeProtocolSchemas.ForChannel(channel);
        var result = RuntimeProtocolSchemas.Set.Validate(frame, uri);
        if (!result.IsValid)
        {
            lock (SchemaErrors)
            {
                SchemaErrors.Add($"{channel}: {result.BestMatch!.InstanceLocation} {result.BestMatch.Message} in {frame}");
            }
        }
    }
}
