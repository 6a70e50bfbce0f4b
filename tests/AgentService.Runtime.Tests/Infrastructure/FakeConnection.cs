using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using AgentService.Protocol.Runtime;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>
/// One socket of the fake service. Frames from the SDK are checked (one JSON-RPC object per text frame, against the
/// schema of their channel: wire/frame.json#/$defs/&lt;method&gt; for requests, the reply channel for responses)
/// and sorted into requests and responses; a malformed frame fails the test at the next receive.
/// </summary>
public sealed class FakeConnection(WebSocket socket, string authorization, string path)
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(15);
    private readonly Channel<JsonElement> _requests = Channel.CreateUnbounded<JsonElement>();
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _responses = [];
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextServiceId;

    /// <summary>The Authorization header of the upgrade request.</summary>
    public string Authorization { get; } = authorization;

    /// <summary>The request path of the upgrade.</summary>
    public string Path { get; } = path;

    /// <summary>Every request frame received, in order.</summary>
    public List<JsonElement> ReceivedRequests { get; } = [];

    /// <summary>Completes with the close status the SDK sent (null when the socket just dropped).</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    /// <summary>The next request from the SDK; asserts its method.</summary>
    public async Task<JsonElement> ReceiveRequestAsync(string method)
    {
        using var cts = new CancellationTokenSource(ReceiveTimeout);
        JsonElement frame;
        try
        {
            frame = await _requests.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {method} request arrived.");
        }
        catch (ChannelClosedException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }

        Assert.Equal(method, frame.GetProperty("method").GetString());
        return frame;
    }

    /// <summary>True when a request is waiting to be read.</summary>
    public bool HasPendingRequest => _requests.Reader.Count > 0;

    /// <summary>Replies to a request with a result.</summary>
    public Task ReplyAsync(JsonElement request, string resultJson) =>
        SendAsync($$"""{"jsonrpc":"2.0","id":{{request.GetProperty("id").GetRawText()}},"result":{{resultJson}}}""");

    /// <summary>Replies to a request with a JSON-RPC error of the registry.</summary>
    public Task ErrorAsync(JsonElement request, int code, string? fatal = null, string? detailsJson = null, long? retryAfterMs = null)
    {
        var reason = RuntimeErrorCodes.ReasonOf(code)!;
        var data = new StringBuilder($$"""{"reason":"{{reason}}","retryable":{{(RuntimeErrorCodes.IsRetryable(code) ? "true" : "false")}}""");
        if (fatal is not null)
        {
            data.Append($$""","fatal":"{{fatal}}" """.TrimEnd());
        }

        if (retryAfterMs is not null)
        {
            data.Append($",\"retryAfterMs\":{retryAfterMs}");
        }

        if (detailsJson is not null)
        {
            data.Append($",\"details\":{detailsJson}");
        }

        data.Append('}');
        var id = request.GetProperty("id").GetRawText();
        return SendAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":" + code + ",\"message\":\"" + reason + ".\",\"data\":" + data + "}}");
    }

    /// <summary>Sends a <c>service.task.input.event</c> request; returns its id (await <see cref="ReceiveResponseAsync"/>).</summary>
    public async Task<string> SendDeliveryAsync(string deliveryJson)
    {
        var id = "s-" + Interlocked.Increment(ref _nextServiceId);
        lock (_responses)
        {
            _responses[id] = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await SendAsync($$"""{"jsonrpc":"2.0","id":"{{id}}","method":"service.task.input.event","params":{{deliveryJson}}}""");
        return id;
    }

    /// <summary>The SDK's response to the service request <paramref name="id"/>.</summary>
    public async Task<JsonElement> ReceiveResponseAsync(string id)
    {
        Task<JsonElement> task;
        lock (_responses)
        {
            task = _responses[id].Task;
        }

        return await task.WaitAsync(ReceiveTimeout);
    }

    /// <summary>True once the SDK answered <paramref name="id"/>.</summary>
    public bool HasResponse(string id)
    {
        lock (_responses)
        {
            return _responses[id].Task.IsCompleted;
        }
    }

    /// <summary>Sends a raw text frame.</summary>
    public async Task SendAsync(string json)
    {
        await _sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Closes with a close code, as the service would (e.g. 1012 restart, 4002 lease expired).</summary>
    public async Task CloseAsync(int code, string description = "")
    {
        try
        {
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, description, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
    }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Abort()
    {
        try
        {
            socket.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The request already ended.
        }
    }

    /// <summary>Receives the attach, checks it, and answers it; returns the attach frame.</summary>
    public async Task<JsonElement> AcceptAttachAsync(string? connectionId = null, int heartbeatIntervalMs = 10000, string? effectiveJson = null, string? leaseExpiresAt = null)
    {
        var attach = await ReceiveRequestAsync(RuntimeMethods.Attach);
        await ReplyAsync(attach, Frames.AttachReply(connectionId ?? Ids.Connection1, heartbeatIntervalMs, effectiveJson ?? Frames.EffectiveFromRequest(attach), leaseExpiresAt));
        return attach;
    }

    /// <summary>Receives the next output batch and accepts it; returns its events.</summary>
    public async Task<JsonElement[]> AcceptOutputAsync()
    {
        var batch = await ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        await ReplyAsync(batch, """{"accepted":true}""");
        return [.. batch.GetProperty("params").GetProperty("events").EnumerateArray()];
    }

    internal async Task RunAsync(CancellationToken aborted)
    {
        var buffer = new byte[2 * 1024 * 1024];
        try
        {
            while (true)
            {
                var count = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), aborted);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(result.CloseStatus);
                    try
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }
                    catch (WebSocketException)
                    {
                    }

                    break;
                }

                Assert.Equal(WebSocketMessageType.Text, result.MessageType);
                var frame = JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone();
                Check(frame);
                if (frame.TryGetProperty("method", out _))
                {
                    lock (ReceivedRequests)
                    {
                        ReceivedRequests.Add(frame);
                    }

                    _requests.Writer.TryWrite(frame);
                }
                else
                {
                    var id = frame.GetProperty("id").GetString()!;
                    lock (_responses)
                    {
                        _responses[id].TrySetResult(frame);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _closed.TrySetResult(null);
        }
        catch (Exception ex)
        {
            // A malformed frame: surface it to the test at its next receive.
            _requests.Writer.TryComplete(ex);
            _closed.TrySetResult(null);
            return;
        }

        _requests.Writer.TryComplete();
    }

    /// <summary>The frame is one JSON-RPC object valid against the schema of its channel.</summary>
    private static void Check(JsonElement frame)
    {
        Assert.Equal(JsonValueKind.Object, frame.ValueKind);
        string target;
        if (frame.TryGetProperty("method", out var method))
        {
            target = "wire/frame.json#/$defs/" + method.GetString();
        }
        else if (frame.TryGetProperty("error", out _))
        {
            target = "wire/frame.json#/$defs/ErrorResponseFrame";
        }
        else
        {
            // The SDK only answers service.task.input.event.
            target = "wire/frame.json#/$defs/service.task.input.reply";
        }

        var errors = AgentService.Protocol.Schema.RuntimeProtocolSchemas.Set.Validate(frame, AgentService.Protocol.Schema.RuntimeProtocolSchemas.BaseUri + target).Errors.Select(e => $"{e.InstanceLocation}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, $"Frame invalid against {target}: {string.Join("; ", errors)}{Environment.NewLine}{frame}");
    }
}
