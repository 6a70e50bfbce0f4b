using AgentService.Server.Hosting;
using AgentService.Server.Storage.Sql;
using AgentService.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Tests;

/// <summary>
/// Plans of SQLite queries whose cost must not grow with the store. Events are indexed by type only where they are
/// looked up by type (deltas for their compaction, completed messages for the snapshot): the lookups must use that
/// partial index, or each would scan a run's whole log. SQLite keeps no statistics here, so the queries name the
/// index, and SQLite refuses a query the index cannot serve. Artifacts of a list of tasks or steps are one index
/// probe per id.
/// </summary>
public sealed class QueryPlanTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"queryplan-{Guid.NewGuid():N}");
    private SqliteDatabase _database = null!;

    public Task InitializeAsync()
    {
        _database = new SqliteDatabase(Options.Create(new AgentServiceOptions { DataDir = _dir }), NullLogger<SqliteDatabase>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("message.delta")]
    [InlineData("reasoning.delta")]
    [InlineData("tool.call.arguments.delta")]
    [InlineData("tool.call.progress")]
    public void CompactionOfEachDeltaType_UsesThePartialIndex(string deltaType) =>
        Assert.Contains("events_run_compaction", Plan(
            $"DELETE FROM {_database.ThroughIndex("events", SqlEventLog.TypeIndex)} WHERE run_id = 'r' AND {SqlEventLog.IndexedByType} AND type = '{deltaType}' AND json_extract(body, '$.data.id') = 'x'"));

    [Fact]
    public void EveryCompactedDeltaType_AndCompletedMessages_AreInTheIndex()
    {
        Assert.Equal(4, SqlEventLog.CompactedTypes.Count);
        foreach (var type in SqlEventLog.CompactedTypes.Append("message.completed"))
        {
            Assert.Contains($"'{type}'", SqlEventLog.IndexedByType, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CompletedMessages_UseThePartialIndex() =>
        Assert.Contains("events_run_compaction", Plan(
            $"SELECT position, body FROM {_database.ThroughIndex("events", SqlEventLog.TypeIndex)} WHERE run_id = 'r' AND {SqlEventLog.IndexedByType} AND type = 'message.completed' ORDER BY position"));

    [Theory]
    [InlineData(SqliteArtifactStore.ByTaskSql, "artifacts_task_seq (task_id=?)")]
    [InlineData(SqliteArtifactStore.ByStepSql, "artifacts_step (step_id=?)")]
    public void ArtifactsOfSeveralTasksOrSteps_AreIndexProbesInOrder(string sql, string search)
    {
        var plan = Plan(sql, ("$ids", "[\"a\",\"b\"]"));
        Assert.Contains($"SEARCH a USING INDEX {search}", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    private string Plan(string sql, params (string Name, object Value)[] parameters)
    {
        using var read = _database.OpenRead();
        using var command = read.Connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read())
        {
            plan.Add(reader.GetString(3));
        }

        return string.Join("\n", plan);
    }
}
