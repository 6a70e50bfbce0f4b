using System.Threading.Channels;
using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>
/// Sends <see cref="ClusterSignal"/>s to the other nodes with <c>NOTIFY</c> on <see cref="Channel"/>. Signals are queued
/// and a single sender flushes whatever is waiting in one statement (duplicates folded), so a burst of steps costs a
/// few round trips, not one each. Every payload starts with this process's id, so the listener skips its own.
/// </summary>
internal sealed class PostgresClusterBroadcast : IClusterBroadcast, IAsyncDisposable
{
    public const string Channel = "agentservice_runs";
    private const int MaxBatch = 256;

    private readonly Channel<string> _queue = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PostgresDatabase _database;
    private readonly ILogger<PostgresClusterBroadcast> _logger;
    private readonly Task _sender;

    public PostgresClusterBroadcast(PostgresDatabase database, ILogger<PostgresClusterBroadcast> logger)
    {
        _database = database;
        _logger = logger;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>This process among the nodes (a restarted node is a new sender).</summary>
    public string SenderId { get; } = Guid.NewGuid().ToString("N")[..12];

    public void Send(ClusterSignal signal) => _queue.Writer.TryWrite($"{SenderId}:{signal.Encode()}");

    /// <summary>The signal of a payload another process sent; <c>false</c> for this process's own and for garbage.</summary>
    public bool TryRead(string payload, out ClusterSignal signal)
    {
        signal = default;
        return payload.Split(':', 2) is [var sender, var text] && sender != SenderId && ClusterSignal.TryDecode(text, out signal);
    }

    private async Task SendLoopAsync()
    {
        var batch = new HashSet<string>(StringComparer.Ordinal);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var payload))
            {
                batch.Add(payload);
            }

            try
            {
                await using var command = _database.DataSource.CreateCommand($"SELECT pg_notify('{Channel}', p) FROM unnest($1::text[]) AS p");
                command.Parameters.Add(new NpgsqlParameter { Value = batch.ToArray() });
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The others fall back on their own checks (leases, waits that time out, the listener's wake-all on reconnect).
                Log.ClusterNotifyFailed(_logger, batch.Count, ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sender.ConfigureAwait(false);
    }
}
