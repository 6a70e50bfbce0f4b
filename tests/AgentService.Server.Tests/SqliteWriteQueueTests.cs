using AgentService.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentService.Server.Tests;

public sealed class SqliteWriteQueueTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"writequeue-{Guid.NewGuid():N}.db");
    private SqliteConnection _connection = null!;
    private SqliteWriteQueue _queue = null!;

    public Task InitializeAsync()
    {
        _connection = new SqliteConnection($"Data Source={_file};Pooling=False");
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;
            CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
            CREATE TABLE child (k TEXT NOT NULL REFERENCES t (k) DEFERRABLE INITIALLY DEFERRED);
            """;
        command.ExecuteNonQuery();
        _queue = new SqliteWriteQueue(_connection, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _queue.DisposeAsync();
        await _connection.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private Task<int> InsertAsync(string key, int value) => _queue.WriteAsync(
        c => c.Get("INSERT INTO t (k, v) VALUES ($k, $v)").With("$k", key).With("$v", value).ExecuteNonQuery(),
        CancellationToken.None);

    private long Count()
    {
        using var reader = new SqliteConnection($"Data Source={_file};Pooling=False");
        reader.Open();
        using var command = reader.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM t";
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task ConcurrentWrites_AreAllCommittedWhenTheirTasksComplete()
    {
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => InsertAsync($"k{i}", i)));

        Assert.Equal(500, Count());
    }

    [Fact]
    public async Task AFailingOperation_FailsAloneAndTheOthersInItsBatchCommit()
    {
        await InsertAsync("dup", 1);

        var writes = Enumerable.Range(0, 50).Select(i => i == 25 ? InsertAsync("dup", 2) : InsertAsync($"ok{i}", i)).ToList();

        var failed = await Assert.ThrowsAsync<SqliteException>(() => writes[25]);
        Assert.Contains("UNIQUE", failed.Message);
        await Task.WhenAll(writes.Where((_, i) => i != 25));
        Assert.Equal(50, Count());
    }

    [Fact]
    public async Task AnOperationThatThrowsAfterWriting_LeavesNoPartialRows()
    {
        var write = _queue.WriteAsync<int>(c =>
        {
            c.Get("INSERT INTO t (k, v) VALUES ($k, $v)").With("$k", "half").With("$v", 1).ExecuteNonQuery();
            throw new InvalidOperationException("second statement failed");
        }, CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => write);
        Assert.Equal(0, Count());
    }

    [Fact]
    public async Task ABatchWhoseCommitFails_IsRolledBack_AndTheNextWriteCommits()
    {
        // A deferred foreign key is checked at COMMIT, which then fails and leaves the transaction open.
        var orphan = _queue.WriteAsync(
            c => c.Get("INSERT INTO child (k) VALUES ('nobody')").ExecuteNonQuery(), CancellationToken.None);

        var failed = await Assert.ThrowsAsync<Errors.ServiceException>(() => orphan);
        Assert.Equal(Errors.ErrorCode.Unavailable, failed.Code);
        await InsertAsync("after", 1);
        Assert.Equal(1, Count());
    }
}
