using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using AgentService.Server.Storage.Sql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>
/// A PostgreSQL database shared by every node of the service (<c>AgentService:Storage:Postgres</c>). Every write is
/// committed before it returns, with group commit (<see cref="PostgresWriteQueue"/>): the Agent Protocol, gateway and
/// security stores' writes in <c>READ COMMITTED</c> batches, the run stores' in <c>SERIALIZABLE</c> ones.
/// Migrations run at start under an advisory lock.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable, IStorageHealth, ISqlDatabase
{
    private const long MigrationLockKey = 0x4167656e74537663; // "AgentSvc"

    private readonly PostgresWriteQueue _writer;
    private readonly PostgresWriteQueue _serializableWriter;
    private readonly RunWakeups? _wakeups;

    public PostgresDatabase(IOptions<AgentServiceOptions> options, ILogger<PostgresDatabase> logger, RunWakeups? wakeups = null)
    {
        _wakeups = wakeups;
        var connectionString = options.Value.Storage.Postgres
            ?? throw new InvalidOperationException("AgentService:Storage:Postgres is not set.");
        DataSource = NpgsqlDataSource.Create(connectionString);
        Migrate(logger);
        _writer = new PostgresWriteQueue(DataSource, System.Data.IsolationLevel.ReadCommitted, logger);
        _serializableWriter = new PostgresWriteQueue(DataSource, System.Data.IsolationLevel.Serializable, logger);
    }

    public NpgsqlDataSource DataSource { get; }

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand("SELECT MAX(version) FROM schema_migrations");
        var version = await command.ExecuteScalarAsync(cancellationToken) is int v ? v : 0;
        return version == PostgresMigrations.All[^1].Version;
    }

    /// <summary>Npgsql marks what may succeed when tried again as transient: a refused, broken or timed-out connection, an
    /// exhausted pool, the server shutting down or out of connections (and serialization failures that outlived their
    /// retries).</summary>
    public bool IsOutage(Exception exception) => exception is NpgsqlException { IsTransient: true };

    /// <summary>Runs <paramref name="work"/> in a transaction, grouped with the writes waiting beside it
    /// (<see cref="PostgresWriteQueue"/>); completes after the commit.</summary>
    public Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _writer.WriteAsync(work, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in a <c>SERIALIZABLE</c> transaction, grouped with this node's other run-store writes
    /// waiting beside it (a second <see cref="PostgresWriteQueue"/>); when PostgreSQL reports a serialization failure or
    /// a deadlock (another node's transaction touched the same rows), the writes run again. The stores' reads-then-writes
    /// (next position of a run's log, a lease compare-and-set) thus act as if each ran alone, as on SQLite's single writer.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqlCommands, T> work, CancellationToken cancellationToken)
    {
        // A write that runs again (a serialization failure) notes its runs again: the last run's count.
        List<string>? wake = null;
        var result = await _serializableWriter.WriteAsync(
            (connection, transaction) =>
            {
                using var commands = new PostgresCommandCache(connection, transaction);
                try
                {
                    return Task.FromResult(work(commands));
                }
                finally
                {
                    wake = commands.TakeRunsToWake();
                }
            },
            cancellationToken);
        _wakeups?.Publish(wake);
        return result;
    }

    public async Task<T> ReadAsync<T>(Func<SqlCommands, T> work, bool snapshot, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        if (!snapshot)
        {
            using var commands = new PostgresCommandCache(connection, null);
            return work(commands);
        }

        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        using (var commands = new PostgresCommandCache(connection, transaction))
        {
            return work(commands);
        }
    }

    public string ThroughIndex(string table, string index) => table;

    public string JsonText(string column, string path) => $"({column}::jsonb #>> '{{{path.Replace('.', ',')}}}')";

    private void Migrate(ILogger logger)
    {
        using var connection = DataSource.OpenConnection();
        using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", connection))
        {
            lockCommand.ExecuteNonQuery();
        }

        try
        {
            using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)", connection))
            {
                create.ExecuteNonQuery();
            }

            int current;
            using (var query = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection))
            {
                current = (int)query.ExecuteScalar()!;
            }

            foreach (var (version, name, sql) in PostgresMigrations.All)
            {
                if (version <= current)
                {
                    continue;
                }

                using var transaction = connection.BeginTransaction();
#pragma warning disable CA2100 // Migration SQL is a compile-time constant.
                using (var migrate = new NpgsqlCommand(sql, connection, transaction))
#pragma warning restore CA2100
                {
                    migrate.ExecuteNonQuery();
                }

                using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = version });
                    record.Parameters.Add(new NpgsqlParameter { Value = name });
                    record.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
                    record.ExecuteNonQuery();
                }

                transaction.Commit();
                Log.MigrationApplied(logger, version, name);
            }
        }
        finally
        {
            using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", connection);
            unlock.ExecuteNonQuery();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _serializableWriter.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
