using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteTaskStore(SqliteDatabase database, TimeProvider time) : ITaskStore
{
    internal const string Columns = "t.task_id, t.agent_id, t.seq, t.input, t.additional_input, t.created_at";

    public Task<TaskRecord> CreateAsync(string taskId, string agentId, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        var createdAt = time.GetUtcNow();
        return database.Writer.WriteAsync(commands =>
        {
            // Single writer: the next position is the agent's highest plus one (an index lookup), so positions stay gap-free.
            var seq = (long)commands.Get("SELECT COALESCE(MAX(seq), 0) + 1 FROM tasks WHERE agent_id = $agent")
                .With("$agent", agentId).ExecuteScalar()!;
            commands.Get("""
                INSERT INTO tasks (task_id, agent_id, seq, input, additional_input, created_at)
                VALUES ($id, $agent, $seq, $input, $extra, $at)
                """)
                .With("$id", taskId).With("$agent", agentId).With("$seq", seq).With("$input", input)
                .With("$extra", additionalInput).With("$at", createdAt.ToUnixMs())
                .ExecuteNonQuery();
            return new TaskRecord(taskId, agentId, seq, input, additionalInput, createdAt);
        }, cancellationToken);
    }

    public Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"SELECT {Columns} FROM tasks t WHERE t.task_id = $id");
        command.With("$id", taskId);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? Read(reader, 0) : null);
    }

    public Task<Page<TaskRecord>> ListAsync(string agentId, PageRequest page, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        using var snapshot = read.BeginSnapshot();
        var count = read.Command("SELECT COALESCE(MAX(seq), 0) FROM tasks WHERE agent_id = $agent");
        count.With("$agent", agentId);
        var total = count.ExecuteScalar() is long n ? n : 0;

        var (first, last) = page.SeqRange;
        var items = new List<TaskRecord>(page.PageSize);
        if (first <= total)
        {
            var command = read.Command($"SELECT {Columns} FROM tasks t WHERE t.agent_id = $agent AND t.seq BETWEEN $first AND $last ORDER BY t.seq");
            command.With("$agent", agentId).With("$first", first).With("$last", last);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                items.Add(Read(reader, 0));
            }
        }

        return Task.FromResult(new Page<TaskRecord>(items, total));
    }

    internal static TaskRecord Read(SqliteDataReader reader, int offset) => new(
        reader.GetString(offset),
        reader.GetString(offset + 1),
        reader.GetInt64(offset + 2),
        reader.GetNullableString(offset + 3),
        reader.GetNullableString(offset + 4),
        reader.GetTimestamp(offset + 5));
}
