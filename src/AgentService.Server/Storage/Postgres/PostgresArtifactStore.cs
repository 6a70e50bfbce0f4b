using AgentService.Server.Storage.Sql;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

internal sealed class PostgresArtifactStore(PostgresDatabase database, TimeProvider time) : IArtifactStore
{
    private const string Columns = "a.artifact_id, a.task_id, a.step_id, a.seq, a.file_name, a.relative_path, a.agent_created, a.blob_hash, a.size, a.created_at";

    public Task<ArtifactRecord?> CreateAsync(NewArtifact artifact, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, artifact, now, cancellationToken), cancellationToken);
    }

    /// <summary>Inserts inside a transaction; <c>null</c> when the task does not exist.</summary>
    internal static async Task<ArtifactRecord?> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewArtifact artifact, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var counter = connection.Command("UPDATE tasks SET artifact_count = artifact_count + 1 WHERE task_id = $1 RETURNING artifact_count", transaction).With(artifact.TaskId);
        if (await counter.ExecuteScalarAsync(cancellationToken) is not long seq)
        {
            return null;
        }

        await using var insert = connection.Command("""
            INSERT INTO artifacts (artifact_id, task_id, step_id, seq, file_name, relative_path, agent_created, blob_hash, size, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, transaction)
            .With(artifact.ArtifactId).With(artifact.TaskId).WithText(artifact.StepId).With(seq).With(artifact.FileName).WithText(artifact.RelativePath)
            .With(artifact.AgentCreated).With(artifact.Blob.Hash).With(artifact.Blob.Size).With(now.ToUnixTimeMilliseconds());
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return new ArtifactRecord(artifact.ArtifactId, artifact.TaskId, artifact.StepId, seq, artifact.FileName,
            artifact.RelativePath, artifact.AgentCreated, artifact.Blob.Hash, artifact.Blob.Size, now);
    }

    public async Task<ArtifactRecord?> GetAsync(string taskId, string artifactId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM artifacts a WHERE a.artifact_id = $1 AND a.task_id = $2").With(artifactId).With(taskId);
        var items = await ReadAllAsync(command, cancellationToken);
        return items.Count == 0 ? null : items[0];
    }

    public async Task<Page<ArtifactRecord>> ListAsync(string taskId, PageRequest page, CancellationToken cancellationToken)
    {
        var (first, last) = page.SeqRange;
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var count = connection.Command("SELECT artifact_count FROM tasks WHERE task_id = $1", transaction).With(taskId);
        var total = await count.ExecuteScalarAsync(cancellationToken) is long n ? n : 0;
        var items = new List<ArtifactRecord>(page.PageSize);
        if (first <= total)
        {
            await using var command = connection.Command($"SELECT {Columns} FROM artifacts a WHERE a.task_id = $1 AND a.seq BETWEEN $2 AND $3 ORDER BY a.seq", transaction)
                .With(taskId).With(first).With(last);
            items.AddRange(await ReadAllAsync(command, cancellationToken));
        }

        return new Page<ArtifactRecord>(items, total);
    }

    public async Task<IReadOnlyList<ArtifactRecord>> ListByTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        if (taskIds.Count == 0)
        {
            return [];
        }

        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM artifacts a WHERE a.task_id = ANY($1) ORDER BY a.task_id, a.seq").With(taskIds.ToArray());
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<ArtifactRecord>> ListByStepsAsync(IReadOnlyCollection<string> stepIds, CancellationToken cancellationToken)
    {
        if (stepIds.Count == 0)
        {
            return [];
        }

        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM artifacts a WHERE a.step_id = ANY($1) ORDER BY a.step_id, a.seq").With(stepIds.ToArray());
        return await ReadAllAsync(command, cancellationToken);
    }

    private static async Task<List<ArtifactRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var items = new List<ArtifactRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ArtifactRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetNullableString(2),
                reader.GetInt64(3),
                reader.GetString(4),
                reader.GetNullableString(5),
                reader.GetBoolean(6),
                reader.GetString(7),
                reader.GetInt64(8),
                reader.GetTimestamp(9)));
        }

        return items;
    }
}
