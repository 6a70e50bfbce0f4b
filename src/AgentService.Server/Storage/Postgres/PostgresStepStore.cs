using AgentService.Protocol.AgentProtocol;
using AgentService.Server.Storage.Sql;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

internal sealed class PostgresStepStore(PostgresDatabase database, TimeProvider time) : IStepStore
{
    private const string Columns = "s.step_id, s.task_id, s.seq, s.input, s.additional_input, s.name, s.status, s.output, s.additional_output, s.is_last, s.created_at, s.updated_at";
    private const string ReturningColumns = "step_id, task_id, seq, input, additional_input, name, status, output, additional_output, is_last, created_at, updated_at";
    private const int ColumnCount = 12;

    public Task<StepRecord?> CreateAsync(string stepId, string taskId, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, stepId, taskId, input, additionalInput, now, cancellationToken), cancellationToken);
    }

    public Task<CompletedStep?> CreateCompletedAsync(string taskId, string? input, string? additionalInput, StepCompletion completion, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(async (connection, transaction) =>
            await InsertAsync(connection, transaction, completion.StepId, taskId, input, additionalInput, now, cancellationToken) is null
                ? null
                : await CompleteAsync(connection, transaction, completion, now, cancellationToken),
            cancellationToken);
    }

    private static async Task<StepRecord?> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string stepId, string taskId, string? input, string? additionalInput, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One statement (one round trip): the task row's counter gives the step its position; no row, no task.
        await using var insert = connection.Command("""
            WITH counter AS (UPDATE tasks SET step_count = step_count + 1 WHERE task_id = $2 RETURNING step_count)
            INSERT INTO steps (step_id, task_id, seq, input, additional_input, status, created_at, updated_at)
            SELECT $1, $2, step_count, $3, $4, $5, $6, $6 FROM counter
            RETURNING seq
            """, transaction)
            .With(stepId).With(taskId).WithText(input).WithText(additionalInput).With(StepStatus.Created).With(now.ToUnixTimeMilliseconds());
        if (await insert.ExecuteScalarAsync(cancellationToken) is not long seq)
        {
            return null;
        }

        return new StepRecord(stepId, taskId, seq, input, additionalInput, null, StepStatus.Created, null, null, false, now, now);
    }

    public async Task<StepRecord?> GetAsync(string taskId, string stepId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM steps s WHERE s.step_id = $1 AND s.task_id = $2").With(stepId).With(taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, 0) : null;
    }

    public async Task<Page<StepRecord>> ListAsync(string taskId, PageRequest page, CancellationToken cancellationToken)
    {
        var (first, last) = page.SeqRange;
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var count = connection.Command("SELECT step_count FROM tasks WHERE task_id = $1", transaction).With(taskId);
        var total = await count.ExecuteScalarAsync(cancellationToken) is long n ? n : 0;
        var items = new List<StepRecord>(page.PageSize);
        if (first <= total)
        {
            await using var command = connection.Command($"SELECT {Columns} FROM steps s WHERE s.task_id = $1 AND s.seq BETWEEN $2 AND $3 ORDER BY s.seq", transaction)
                .With(taskId).With(first).With(last);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Read(reader, 0));
            }
        }

        return new Page<StepRecord>(items, total);
    }

    public Task<bool> MarkRunningAsync(string stepId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command("UPDATE steps SET status = $1, updated_at = $2 WHERE step_id = $3 AND status = $4", transaction)
                .With(StepStatus.Running).With(now.ToUnixTimeMilliseconds()).With(stepId).With(StepStatus.Created);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);
    }

    public Task<CompletedStep?> CompleteAsync(StepCompletion completion, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync((connection, transaction) => CompleteAsync(connection, transaction, completion, now, cancellationToken), cancellationToken);
    }

    private static async Task<CompletedStep?> CompleteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, StepCompletion completion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        StepRecord step;
        await using (var update = connection.Command($"""
                UPDATE steps SET status = $1, name = $2, output = $3, additional_output = $4, is_last = $5, updated_at = $6
                WHERE step_id = $7 AND status <> $1
                RETURNING {ReturningColumns}
                """, transaction)
            .With(StepStatus.Completed).WithText(completion.Name).WithText(completion.Output).WithText(completion.AdditionalOutput)
            .With(completion.IsLast).With(now.ToUnixTimeMilliseconds()).With(completion.StepId))
        {
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            step = Read(reader, 0);
        }

        var artifacts = new List<ArtifactRecord>(completion.Artifacts.Count);
        foreach (var artifact in completion.Artifacts)
        {
            artifacts.Add(await PostgresArtifactStore.InsertAsync(connection, transaction, artifact, now, cancellationToken)
                ?? throw new InvalidOperationException($"Task {artifact.TaskId} of step {completion.StepId} vanished."));
        }

        return new CompletedStep(step, artifacts);
    }

    public async Task<IReadOnlyList<(StepRecord Step, TaskRecord Task)>> ListUnfinishedAsync(IReadOnlyCollection<string> agentIds, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"""
            SELECT {Columns}, {PostgresTaskStore.Columns}
            FROM steps s JOIN tasks t ON t.task_id = s.task_id
            WHERE s.status <> 'completed' AND t.agent_id = ANY($1)
            ORDER BY s.created_at, s.task_id, s.seq
            LIMIT $2
            """).With(agentIds.ToArray()).With(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<(StepRecord, TaskRecord)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add((Read(reader, 0), PostgresTaskStore.Read(reader, ColumnCount)));
        }

        return items;
    }

    private static StepRecord Read(NpgsqlDataReader reader, int o) => new(
        reader.GetString(o),
        reader.GetString(o + 1),
        reader.GetInt64(o + 2),
        reader.GetNullableString(o + 3),
        reader.GetNullableString(o + 4),
        reader.GetNullableString(o + 5),
        reader.GetString(o + 6),
        reader.GetNullableString(o + 7),
        reader.GetNullableString(o + 8),
        reader.GetBoolean(o + 9),
        reader.GetTimestamp(o + 10),
        reader.GetTimestamp(o + 11));
}
