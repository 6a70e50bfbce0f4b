using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

/// <summary>
/// Read connections kept open with their prepared statements. A read used to open a pooled connection and compile
/// its SQL each time: under a GET load, SQLite's parser and planner were a fifth of the service's CPU. A connection
/// is rented for one read on one thread and given back when the read is disposed; up to <see cref="MaxIdle"/> wait.
/// </summary>
internal sealed class SqliteReadPool(string connectionString) : IDisposable
{
    /// <summary>Idle connections kept; reads beyond that many at once open and close their own.</summary>
    internal const int MaxIdle = 32;

    private readonly ConcurrentQueue<SqliteRead> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    public SqliteRead Rent()
    {
        if (_idle.TryDequeue(out var read))
        {
            Interlocked.Decrement(ref _idleCount);
            return read;
        }

        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return new SqliteRead(this, connection);
    }

    internal void Return(SqliteRead read)
    {
        var clean = read.EndTransaction();
        if (clean && !_disposed)
        {
            if (Interlocked.Increment(ref _idleCount) <= MaxIdle)
            {
                _idle.Enqueue(read);
                if (_disposed)
                {
                    Dispose();
                }

                return;
            }

            Interlocked.Decrement(ref _idleCount);
        }

        read.Close(discard: !clean);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryDequeue(out var read))
        {
            read.Close(discard: false);
        }
    }
}

/// <summary>A read connection rented from the <see cref="SqliteReadPool"/>: dispose it to give it back.</summary>
internal sealed class SqliteRead : IDisposable
{
    private readonly SqliteReadPool _pool;

    internal SqliteRead(SqliteReadPool pool, SqliteConnection connection)
    {
        _pool = pool;
        Connection = connection;
        Commands = new SqliteCommandCache(connection);
    }

    public SqliteConnection Connection { get; }

    /// <summary>The connection's prepared commands, for store code shared with PostgreSQL.</summary>
    public SqliteCommandCache Commands { get; }

    /// <summary>The prepared command for <paramref name="sql"/>, its parameters cleared.</summary>
    public SqliteCommand Command(string sql) => Commands.Get(sql);

    /// <summary>
    /// A read transaction until disposed: the first read fixes the WAL snapshot every later read of it sees. (BEGIN as
    /// a statement: the cached commands need no transaction object.)
    /// </summary>
    public Snapshot BeginSnapshot()
    {
        Command("BEGIN DEFERRED").ExecuteNonQuery();
        return new Snapshot(this);
    }

    public void Dispose() => _pool.Return(this);

    /// <summary>
    /// Rolls back a transaction a read left open (it failed between BEGIN and ROLLBACK); false when that failed too.
    /// </summary>
    internal bool EndTransaction()
    {
        if (InAutocommit())
        {
            return true;
        }

        try
        {
            Command("ROLLBACK").ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            return false;
        }

        return InAutocommit();
    }

    /// <summary>Closes the connection; <paramref name="discard"/> keeps its handle out of the driver's pool too.</summary>
    internal void Close(bool discard)
    {
        Commands.Dispose();
        if (discard)
        {
            SqliteConnection.ClearPool(Connection);
        }

        Connection.Dispose();
    }

    private bool InAutocommit() => Connection.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) != 0;

    public readonly struct Snapshot(SqliteRead read) : IDisposable
    {
        public void Dispose() => read.Command("ROLLBACK").ExecuteNonQuery();
    }
}
