using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentService.FunctionalTests.Security;

/// <summary>A bare WebSocket to <c>/runtime</c> that sends any bytes and reads whatever comes back: text frames or the close.</summary>
internal sealed class FuzzSocket : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    public WebSocketState State => _socket.State;

    /// <summary>Params of a valid attach (instance <c>rti_fuzz</c>).</summary>
    public static JsonObject AttachParams(string runId, string attemptId, int epoch)
    {
        var caps = new JsonArray();
        foreach (var name in new[] { "input.receive", "output.publish", "config.read", "secrets.read", "kv.read", "kv.write" })
        {
            caps.Add(new JsonObject { ["surface"] = "core", ["name"] = name, ["supportLevel"] = "native" });
        }

        return new JsonObject
        {
            ["runId"] = runId,
            ["attemptId"] = attemptId,
            ["runtimeInstanceId"] = "rti_fuzz",
            ["protocolVersion"] = "v1",
            ["reconnect"] = epoch > 0,
            ["connectionEpoch"] = epoch,
            ["sdkCapabilities"] = caps,
        };
    }

    public static async Task<FuzzSocket> ConnectAsync(Uri baseAddress, string token)
    {
        var socket = new FuzzSocket();
        socket._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = "/runtime" }.Uri;
        await socket._socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    public Task SendAsync(byte[] frame, WebSocketMessageType type = WebSocketMessageType.Text) =>
        _socket.SendAsync(frame, type, endOfMessage: true, CancellationToken.None);

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>The next text frame, or <c>null</c> with the close status when the service closed the socket (both
    /// <c>null</c> when nothing came within <paramref name="timeout"/>).</summary>
    public async Task<(string? Text, WebSocketCloseStatus? Close)> ReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(_buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (null, result.CloseStatus);
                }

                message.Write(_buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return (Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length), null);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (null, null); // Nothing came: a hang.
        }
        catch (WebSocketException)
        {
            return (null, _socket.CloseStatus ?? WebSocketCloseStatus.Empty);
        }
    }

    public async Task CloseAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
