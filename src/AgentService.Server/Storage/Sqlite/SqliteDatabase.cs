using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Storage.Sqlite;

/// <summary>
/// The SQLite database file <c>&lt;data-dir&gt;/agentservice.db</c> in WAL mode: one writer connection behind the
/// <see cref="SqliteWriteQueue"/> (group commit, synchronous=FULL) and pooled read connections.
/// Migrations run when the database is opened.
/// </summary>
internal sealed class SqliteDatabase : IAsyncDisposable, IStorageHealth, Sql.ISqlDatabase
{
    public const string FileName = "agentservice.db";

    private readonly string _connectionString;
    private readonly SqliteConnection _writerConnection;
    private readonly SqliteReadPool _reads;
    private readonly Sql.RunWakeups? _wakeups;

    public SqliteDatabase(IOptions<AgentServiceOptions> options, ILogger<SqliteDatabase> logger, Sql.RunWakeups? wakeups = null)
    {
        _wakeups = wakeups;
        var dataDir = DataDirectory.Ensure(options.Value.DataDir);
        DataDirectory.EnsureOwnerOnlyFile(Path.Combine(dataDir, FileName));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, FileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        _reads = new SqliteReadPool(_connectionString);
        _writerConnection = new SqliteConnection(_connectionString);
        _writerConnection.Open();
        Execute(_writerConnection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
        Migrate(_writerConnection, logger);
        Writer = new SqliteWriteQueue(_writerConnection, logger);
    }

    public SqliteWriteQueue Writer { get; }

    /// <summary>
    /// A read connection with its prepared commands, rented for one read: dispose it to give it back. WAL readers see
    /// the last commit and never block the writer.
    /// </summary>
    public SqliteRead OpenRead() => _reads.Rent();

    public async Task<T> WriteAsync<T>(Func<Sql.SqlCommands, T> work, CancellationToken cancellationToken)
    {
        List<string>? wake = null;
        var result = await Writer.WriteAsync(
            commands =>
            {
                try
                {
                    return work(commands);
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

    public Task<T> ReadAsync<T>(Func<Sql.SqlCommands, T> work, bool snapshot, CancellationToken cancellationToken)
    {
        using var read = OpenRead();
        if (!snapshot)
        {
            return Task.FromResult(work(read.Commands));
        }

        using (read.BeginSnapshot())
        {
            return Task.FromResult(work(read.Commands));
        }
    }

    public string JsonText(string column, string path) => $"json_extract({column}, '$.{path}')";

    public string ThroughIndex(string table, string index) => $"{table} INDEXED BY {index}";

    /// <summary>The database file is locked by another process, unreadable or unwritable, or its disk is full.</summary>
    public bool IsOutage(Exception exception) => exception is SqliteException
    {
        SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED or SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_FULL or SQLitePCL.raw.SQLITE_CANTOPEN,
    };

    public Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var read = OpenRead();
        var version = read.Command("SELECT MAX(version) FROM schema_migrations").ExecuteScalar() is long v ? v : 0;
        return Task.FromResult(version == SqliteMigrations.All.Max(m => m.Version));
    }

    private static void Migrate(SqliteConnection connection, ILogger logger)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        // Each version not yet recorded runs, even one below the highest applied: migrations of branches merged in a
        // different order than they were numbered still apply once.
        var applied = new HashSet<long>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT version FROM schema_migrations";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                applied.Add(reader.GetInt64(0));
            }
        }

        foreach (var (version, name, sql) in SqliteMigrations.All.OrderBy(m => m.Version))
        {
            if (applied.Contains(version))
            {
                continue;
            }

            using var transaction = connection.BeginTransaction(deferred: false);
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
#pragma warning disable CA2100 // Migration SQL is a compile-time constant.
                command.CommandText = sql;
#pragma warning restore CA2100
                command.ExecuteNonQuery();
            }

            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, $t)";
                command.With("$v", version).With("$n", name).With("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            Log.MigrationApplied(logger, version, name);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        await _writerConnection.DisposeAsync();
        _reads.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
