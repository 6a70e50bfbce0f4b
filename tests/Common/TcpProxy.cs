using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AgentService.Tests.Common;

/// <summary>
/// A loopback TCP proxy in front of a server (e.g. PostgreSQL) that a test can cut: <see cref="Cut"/> drops every open
/// connection and closes new ones at once, as a network partition or a database going away does;
/// <see cref="Restore"/> lets connections through again.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops every connection through the proxy and refuses (accepts and closes) new ones.</summary>
    public void Cut()
    {
        _cut = true;
        foreach (var socket in _open.Keys)
        {
            Close(socket);
        }
    }

    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_cut)
            {
                Close(client);
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _open[client] = 0;
        _open[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            Close(client);
            Close(upstream);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private void Close(Socket socket)
    {
        _open.TryRemove(socket, out _);
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }
}
