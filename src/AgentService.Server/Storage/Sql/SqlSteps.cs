namespace AgentService.Server.Storage.Sql;

/// <summary>Step rows written inside other stores' write operations (both databases).</summary>
internal static class SqlSteps
{
    /// <summary>Inserts a step as the next of its task's steps inside a write operation; <c>null</c> when the task does not exist.</summary>
    internal static StepRecord? Insert(SqlCommands commands, string stepId, string taskId, string? input, string? additionalInput, string? name, string status, DateTimeOffset now)
    {
        if (commands.Get("UPDATE tasks SET step_count = step_count + 1 WHERE task_id = @task RETURNING step_count")
                .With("@task", taskId).ExecuteScalar() is not long seq)
        {
            return null;
        }

        commands.Get("""
            INSERT INTO steps (step_id, task_id, seq, input, additional_input, name, status, created_at, updated_at)
            VALUES (@id, @task, @seq, @input, @extra, @name, @status, @at, @at)
            """)
            .With("@id", stepId).With("@task", taskId).With("@seq", seq).With("@input", input)
            .With("@extra", additionalInput).With("@name", name).With("@status", status).With("@at", now.ToUnixMs())
            .ExecuteNonQuery();
        return new StepRecord(stepId, taskId, seq, input, additionalInput, name, status, null, null, false, now, now);
    }
}
