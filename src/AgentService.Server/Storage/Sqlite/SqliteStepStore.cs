using AgentService.Protocol.AgentProtocol;
using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteStepStore(SqliteDatabase database, TimeProvider time) : IStepStore
{
    private const string Columns = "s.step_id, s.task_id, s.seq, s.input, s.additional_input, s.name, s.status, s.output, s.additional_output, s.is_last, s.created_at, s.updated_at";
    private const int ColumnCount = 12;
    internal const string ReturningColumns = "step_id, task_id, seq, input, additional_input, name, status, output, additional_output, is_last, created_at, updated_at";

    public Task<StepRecord?> CreateAsync(string stepId, string taskId, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.Writer.WriteAsync(commands =>
        {
            return SqlSteps.Insert(commands, stepId, taskId, input, additionalInput, null, StepStatus.Created, now);
        }, cancellationToken);
    }

    public Task<StepRecord?> GetAsync(string taskId, string stepId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"SELECT {Columns} FROM steps s WHERE s.step_id = $id AND s.task_id = $task");
        command.With("$id", stepId).With("$task", taskId);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? Read(reader, 0) : null);
    }

    public Task<Page<StepRecord>> ListAsync(string taskId, PageRequest page, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        using var snapshot = read.BeginSnapshot();
        var count = read.Command("SELECT step_count FROM tasks WHERE task_id = $task");
        count.With("$task", taskId);
        var total = count.ExecuteScalar() is long n ? n : 0;

        var (first, last) = page.SeqRange;
        var items = new List<StepRecord>(page.PageSize);
        if (first <= total)
        {
            var command = read.Command($"SELECT {Columns} FROM steps s WHERE s.task_id = $task AND s.seq BETWEEN $first AND $last ORDER BY s.seq");
            command.With("$task", taskId).With("$first", first).With("$last", last);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                items.Add(Read(reader, 0));
            }
        }

        return Task.FromResult(new Page<StepRecord>(items, total));
    }

    public Task<bool> MarkRunningAsync(string stepId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.Writer.WriteAsync(
            commands => commands.Get("UPDATE steps SET status = $running, updated_at = $at WHERE step_id = $id AND status = $created")
                .With("$running", StepStatus.Running).With("$at", now.ToUnixMs()).With("$id", stepId).With("$created", StepStatus.Created)
                .ExecuteNonQuery() == 1,
            cancellationToken);
    }

    public Task<CompletedStep?> CompleteAsync(StepCompletion completion, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.Writer.WriteAsync(commands => Complete(commands, completion, now), cancellationToken);
    }

    public Task<CompletedStep?> CreateCompletedAsync(string taskId, string? input, string? additionalInput, StepCompletion completion, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.Writer.WriteAsync(
            commands => SqlSteps.Insert(commands, completion.StepId, taskId, input, additionalInput, null, StepStatus.Created, now) is null
                ? null
                : Complete(commands, completion, now),
            cancellationToken);
    }

    private static CompletedStep? Complete(SqliteCommandCache commands, StepCompletion completion, DateTimeOffset now)
    {
        StepRecord step;
        using (var reader = commands.Get($"""
                UPDATE steps SET status = $completed, name = $name, output = $output, additional_output = $extra,
                    is_last = $last, updated_at = $at
                WHERE step_id = $id AND status <> $completed
                RETURNING {ReturningColumns}
                """)
            .With("$completed", StepStatus.Completed).With("$name", completion.Name).With("$output", completion.Output)
            .With("$extra", completion.AdditionalOutput).With("$last", completion.IsLast).With("$at", now.ToUnixMs())
            .With("$id", completion.StepId)
            .ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            step = Read(reader, 0);
        }

        var artifacts = new List<ArtifactRecord>(completion.Artifacts.Count);
        foreach (var artifact in completion.Artifacts)
        {
            artifacts.Add(SqliteArtifactStore.Insert(commands, artifact, now)
                ?? throw new InvalidOperationException($"Task {artifact.TaskId} of step {completion.StepId} vanished."));
        }

        return new CompletedStep(step, artifacts);
    }

    public Task<IReadOnlyList<(StepRecord Step, TaskRecord Task)>> ListUnfinishedAsync(IReadOnlyCollection<string> agentIds, int limit, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"""
            SELECT {Columns}, {SqliteTaskStore.Columns}
            FROM steps s JOIN tasks t ON t.task_id = s.task_id
            WHERE s.status <> 'completed' AND t.agent_id IN (SELECT value FROM json_each($agents))
            ORDER BY s.created_at, s.task_id, s.seq
            LIMIT $limit
            """);
        command.With("$agents", SqliteArtifactStore.JsonArray(agentIds)).With("$limit", limit);
        using var reader = command.ExecuteReader();
        var items = new List<(StepRecord, TaskRecord)>();
        while (reader.Read())
        {
            items.Add((Read(reader, 0), SqliteTaskStore.Read(reader, ColumnCount)));
        }

        return Task.FromResult<IReadOnlyList<(StepRecord, TaskRecord)>>(items);
    }

    internal static StepRecord Read(System.Data.Common.DbDataReader reader, int o) => new(
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
