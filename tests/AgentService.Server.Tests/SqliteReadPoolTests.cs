using AgentService.Server.Hosting;
using AgentService.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Tests;

/// <summary>
/// Read connections are kept open with their prepared statements between reads: a kept connection must still see
/// every later commit, and a transaction a failed read left open must end before the connection serves another read.
/// </summary>
public sealed class SqliteReadPoolTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"readpool-{Guid.NewGuid():N}");
    private SqliteDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = new SqliteDatabase(Options.Create(new AgentServiceOptions { DataDir = _dir }), NullLogger<SqliteDatabase>.Instance);
        await _database.Writer.WriteAsync(c => c.Get("CREATE TABLE t (v TEXT NOT NULL)").ExecuteNonQuery(), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task AKeptConnection_SeesWhatWasCommittedAfterItsLastRead()
    {
        SqliteConnection first;
        using (var read = _database.OpenRead())
        {
            first = read.Connection;
            Assert.Equal(0L, read.Command("SELECT COUNT(*) FROM t").ExecuteScalar());
        }

        await _database.Writer.WriteAsync(c => c.Get("INSERT INTO t (v) VALUES ('x')").ExecuteNonQuery(), CancellationToken.None);

        using var again = _database.OpenRead();
        Assert.Same(first, again.Connection);
        Assert.Equal(1L, again.Command("SELECT COUNT(*) FROM t").ExecuteScalar());
    }

    [Fact]
    public async Task ASnapshotReadThatFails_IsRolledBack_AndTheConnectionServesTheNextRead()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _database.ReadAsync<long>(
            c => throw new InvalidOperationException("the read failed"), snapshot: true, CancellationToken.None));
        await _database.Writer.WriteAsync(c => c.Get("INSERT INTO t (v) VALUES ('y')").ExecuteNonQuery(), CancellationToken.None);

        using var read = _database.OpenRead();
        Assert.Equal(1, SQLitePCL.raw.sqlite3_get_autocommit(read.Connection.Handle));
        Assert.Equal(1L, read.Command("SELECT COUNT(*) FROM t").ExecuteScalar());
    }

    [Fact]
    public async Task AReadThatLeftATransactionOpen_IsRolledBack_BeforeTheConnectionIsUsedAgain()
    {
        using (var read = _database.OpenRead())
        {
            read.Command("BEGIN").ExecuteNonQuery();
            read.Command("SELECT COUNT(*) FROM t").ExecuteScalar();
        }

        await _database.Writer.WriteAsync(c => c.Get("INSERT INTO t (v) VALUES ('z')").ExecuteNonQuery(), CancellationToken.None);

        using var next = _database.OpenRead();
        Assert.Equal(1, SQLitePCL.raw.sqlite3_get_autocommit(next.Connection.Handle));
        Assert.Equal(1L, next.Command("SELECT COUNT(*) FROM t").ExecuteScalar());
    }
}
