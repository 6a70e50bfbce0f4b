using AgentService.Server.Storage.Sql;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

internal sealed class PostgresTaskStore(PostgresDatabase database, TimeProvider time) : ITaskStore
{
    internal const string Columns = "t.task_id, t.agent_id, t.seq, t.input, t.additional_input, t.created_at";

    public Task<TaskRecord> CreateAsync(string taskId, string agentId, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        var createdAt = time.GetUtcNow();
        return database.WriteAsync(async (connection, transaction) =>
        {
            // One statement (one round trip): the counter row is locked until commit, so concurrent creations on any
            // node get gap-free positions.
            await using var insert = connection.Command("""
                WITH counter AS (
                    INSERT INTO agent_task_counters (agent_id, task_count) VALUES ($2, 1)
                    ON CONFLICT (agent_id) DO UPDATE SET task_count = agent_task_counters.task_count + 1
                    RETURNING task_count)
                INSERT INTO tasks (task_id, agent_id, seq, input, additional_input, created_at)
                SELECT $1, $2, task_count, $3, $4, $5 FROM counter
                RETURNING seq
                """, transaction)
                .With(taskId).With(agentId).WithText(input).WithText(additionalInput).With(createdAt.ToUnixTimeMilliseconds());
            var seq = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            return new TaskRecord(taskId, agentId, seq, input, additionalInput, createdAt);
        }, cancellationToken);
    }

    public async Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM tasks t WHERE t.task_id = $1").With(taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, 0) : null;
    }

    public async Task<Page<TaskRecord>> ListAsync(string agentId, PageRequest page, CancellationToken cancellationToken)
    {
        var (first, last) = page.SeqRange;
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var count = connection.Command("SELECT task_count FROM agent_task_counters WHERE agent_id = $1", transaction).With(agentId);
        var total = await count.ExecuteScalarAsync(cancellationToken) is long n ? n : 0;
        var items = new List<TaskRecord>(page.PageSize);
        if (first <= total)
        {
            await using var command = connection.Command($"SELECT {Columns} FROM tasks t WHERE t.agent_id = $1 AND t.seq BETWEEN $2 AND $3 ORDER BY t.seq", transaction)
                .With(agentId).With(first).With(last);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Read(reader, 0));
            }
        }

        return new Page<TaskRecord>(items, total);
    }

    internal static TaskRecord Read(NpgsqlDataReader reader, int offset) => new(
        reader.GetString(offset),
        reader.GetString(offset + 1),
        reader.GetInt64(offset + 2),
        reader.GetNullableString(offset + 3),
        reader.GetNullableString(offset + 4),
        reader.GetTimestamp(offset + 5));
}
