using System.Text;
using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteArtifactStore(SqliteDatabase database, TimeProvider time) : IArtifactStore
{
    internal const string ByTaskSql = $"SELECT {Columns} FROM artifacts a WHERE a.task_id IN (SELECT value FROM json_each($ids)) ORDER BY a.task_id, a.seq";
    internal const string ByStepSql = $"SELECT {Columns} FROM artifacts a WHERE a.step_id IN (SELECT value FROM json_each($ids)) ORDER BY a.step_id, a.seq";

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
        using var read = database.OpenRead();
        var command = read.Command($"SELECT {Columns} FROM artifacts a WHERE a.artifact_id = $id AND a.task_id = $task");
        command.With("$id", artifactId).With("$task", taskId);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? Read(reader) : null);
    }

    public Task<Page<ArtifactRecord>> ListAsync(string taskId, PageRequest page, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        using var snapshot = read.BeginSnapshot();
        var count = read.Command("SELECT artifact_count FROM tasks WHERE task_id = $task");
        count.With("$task", taskId);
        var total = count.ExecuteScalar() is long n ? n : 0;

        var (first, last) = page.SeqRange;
        var items = new List<ArtifactRecord>(page.PageSize);
        if (first <= total)
        {
            var command = read.Command($"SELECT {Columns} FROM artifacts a WHERE a.task_id = $task AND a.seq BETWEEN $first AND $last ORDER BY a.seq");
            command.With("$task", taskId).With("$first", first).With("$last", last);
            items.AddRange(ReadAll(command));
        }

        return Task.FromResult(new Page<ArtifactRecord>(items, total));
    }

    public Task<IReadOnlyList<ArtifactRecord>> ListByTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken) =>
        ListByAsync(ByTaskSql, taskIds);

    public Task<IReadOnlyList<ArtifactRecord>> ListByStepsAsync(IReadOnlyCollection<string> stepIds, CancellationToken cancellationToken) =>
        ListByAsync(ByStepSql, stepIds);

    /// <summary>
    /// The artifacts whose <paramref name="column"/> is one of <paramref name="ids"/>. The ids travel as one JSON array,
    /// so the statement's text is the same for any number of them and stays prepared; the planner probes the index
    /// once per id (<see cref="ByTaskSql"/> and <see cref="ByStepSql"/> have a test of their plans).
    /// </summary>
    private Task<IReadOnlyList<ArtifactRecord>> ListByAsync(string sql, IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<ArtifactRecord>>([]);
        }

        using var read = database.OpenRead();
        var command = read.Command(sql).With("$ids", JsonArray(ids));
        return Task.FromResult<IReadOnlyList<ArtifactRecord>>(ReadAll(command));
    }

    /// <summary>A JSON array of strings, for <c>json_each</c>.</summary>
    internal static string JsonArray(IReadOnlyCollection<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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
