using AgentService.Server.Gateway;
using AgentService.Server.Observability;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>
/// Wakes this node's <see cref="OutboxDispatcher"/> when any node makes gateway outbox entries due (a queued send, an
/// agent back online): <c>LISTEN</c> on one dedicated connection. Work another node accepted but cannot push at once
/// (all its pushes busy) is so taken by a node with room without waiting for a poll. After a lost connection the
/// dispatcher is woken once, since notifications may have been missed.
/// </summary>
internal sealed class PostgresOutboxListener(PostgresDatabase database, DeliverySignal signal, ILogger<PostgresOutboxListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => signal.Set();
                await using (var listen = connection.Command($"LISTEN {PostgresGatewayMessageStore.Channel}"))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                signal.Set();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                Log.OutboxListenFailed(logger, RetryDelay, ex);
                try
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
