using System.Text;
using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteArtifactStore(SqliteDatabase database, TimeProvider time) : IArtifactStore
{
    internal const string Columns = "a.artifact_id, a.task_id, a.step_id, a.seq, a.file_name, a.relative_path, a.agent_created, a.blob_hash, a.size, a.created_at";

    public Task<ArtifactRecord?> CreateAsync(NewArtifact artifact, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.Writer.WriteAsync(commands => Insert(commands, artifact, now), cancellationToken);
    }

    /// <summary>Inserts inside a write operation; <c>null</c> when the task does not exist.</summary>
    internal static ArtifactRecord? Insert(SqliteCommandCache commands, NewArtifact artifact, DateTimeOffset now)
    {
        if (commands.Get("UPDATE tasks SET artifact_count = artifact_count + 1 WHERE task_id = $task RETURNING artifact_count")
                .With("$task", artifact.TaskId).ExecuteScalar() is not long seq)
        {
            return null;
        }

        commands.Get("""
            INSERT INTO artifacts (artifact_id, task_id, step_id, seq, file_name, relative_path, agent_created, blob_hash, size, created_at)
            VALUES ($id, $task, $step, $seq, $name, $path, $agent, $hash, $size, $at)
            """)
            .With("$id", artifact.ArtifactId).With("$task", artifact.TaskId).With("$step", artifact.StepId).With("$seq", seq)
            .With("$name", artifact.FileName).With("$path", artifact.RelativePath).With("$agent", artifact.AgentCreated)
            .With("$hash", artifact.Blob.Hash).With("$size", artifact.Blob.Size).With("$at", now.ToUnixMs())
            .ExecuteNonQuery();
        return new ArtifactRecord(artifact.ArtifactId, artifact.TaskId, artifact.StepId, seq, artifact.FileName,
            artifact.RelativePath, artifact.AgentCreated, artifact.Blob.Hash, artifact.Blob.Size, now);
    }

    public Task<ArtifactRecord?> GetAsync(string taskId, string artifactId, CancellationToken cancellationToken)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM artifacts a WHERE a.artifact_id = $id AND a.task_id = $task";
        command.With("$id", artifactId).With("$task", taskId);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? Read(reader) : null);
    }

    public Task<Page<ArtifactRecord>> ListAsync(string taskId, PageRequest page, CancellationToken cancellationToken)
    {
        using var connection = database.OpenRead();
        using var transaction = connection.BeginTransaction(deferred: true);
        using var count = connection.CreateCommand();
        count.Transaction = transaction;
        count.CommandText = "SELECT artifact_count FROM tasks WHERE task_id = $task";
        count.With("$task", taskId);
        var total = count.ExecuteScalar() is long n ? n : 0;

        var (first, last) = page.SeqRange;
        var items = new List<ArtifactRecord>(page.PageSize);
        if (first <= total)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT {Columns} FROM artifacts a WHERE a.task_id = $task AND a.seq BETWEEN $first AND $last ORDER BY a.seq";
            command.With("$task", taskId).With("$first", first).With("$last", last);
            items.AddRange(ReadAll(command));
        }

        return Task.FromResult(new Page<ArtifactRecord>(items, total));
    }

    public Task<IReadOnlyList<ArtifactRecord>> ListByTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken) =>
        ListByAsync("a.task_id", "a.task_id, a.seq", taskIds);

    public Task<IReadOnlyList<ArtifactRecord>> ListByStepsAsync(IReadOnlyCollection<string> stepIds, CancellationToken cancellationToken) =>
        ListByAsync("a.step_id", "a.step_id, a.seq", stepIds);

    private Task<IReadOnlyList<ArtifactRecord>> ListByAsync(string column, string order, IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<ArtifactRecord>>([]);
        }

        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        var sql = new StringBuilder($"SELECT {Columns} FROM artifacts a WHERE {column} IN (");
        var i = 0;
        foreach (var id in ids)
        {
            sql.Append(i == 0 ? "$p0" : $", $p{i}");
            command.With($"$p{i}", id);
            i++;
        }

        sql.Append(") ORDER BY ").Append(order);
#pragma warning disable CA2100 // Column names are constants of this class; values are parameters.
        command.CommandText = sql.ToString();
#pragma warning restore CA2100
        return Task.FromResult<IReadOnlyList<ArtifactRecord>>(ReadAll(command));
    }

    private static List<ArtifactRecord> ReadAll(SqliteCommand command)
    {
        var items = new List<ArtifactRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            items.Add(Read(reader));
        }

        return items;
    }

    internal static ArtifactRecord Read(System.Data.Common.DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetNullableString(2),
        reader.GetInt64(3),
        reader.GetString(4),
        reader.GetNullableString(5),
        reader.GetBoolean(6),
        reader.GetString(7),
        reader.GetInt64(8),
        reader.GetTimestamp(9));
}
