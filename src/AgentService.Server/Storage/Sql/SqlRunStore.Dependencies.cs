using System.Text.Json;
using AgentService.Server.Json;
using AgentService.Server.Runs;

namespace AgentService.Server.Storage.Sql;

/// <summary>
/// A sub-run's dependencies (<c>subrun.spawned</c> <c>dependsOn</c>): runs of the same tree that must complete before
/// the child starts. Until they have, the child is <c>waiting(dependency)</c> naming the ones still open, and its
/// <c>task.start</c> is stored <c>held</c> — no runtime is launched or claims it, and nothing is delivered. The last one
/// completing makes the <c>task.start</c> pending and the child queued (its runtime is woken after the commit,
/// <see cref="RunWakeups"/>). One ending any other way ends the child with it, never run: <c>cancelled</c> when the
/// dependency was cancelled, <c>failed</c> otherwise, both with the error <c>dependency_failed</c>.
/// </summary>
internal sealed partial class SqlRunStore
{
    /// <summary>The condition a <c>dependsOn</c> entry is held to (input-event.json's task.start <c>dependencies</c>).</summary>
    internal const string DependencyCondition = "completed";

    public Task<IReadOnlyList<RunDependency>> ListDependenciesAsync(string runId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<RunDependency>>(commands => ReadDependencies(commands, runId), snapshot: false, cancellationToken);

    /// <summary>The runs <paramref name="runId"/> waits for, in its spawn's order, with their status now.</summary>
    public Task<ILookup<string, string>> ListChildDependenciesAsync(string parentRunId, string firstChildId, string lastChildId, CancellationToken cancellationToken) =>
        database.ReadAsync(commands => ReadChildDependencies(commands, parentRunId, firstChildId, lastChildId), snapshot: false, cancellationToken);

    /// <summary>The dependencies of a run's children (those from <paramref name="first"/> to <paramref name="last"/> in
    /// creation order, or all), by child, each child's in its spawn's order.</summary>
    internal static ILookup<string, string> ReadChildDependencies(SqlCommands commands, string parentRunId, string? first = null, string? last = null) =>
        commands.Get("""
            SELECT d.run_id, d.depends_on_run_id FROM run_dependencies d JOIN runs r ON r.run_id = d.run_id
            WHERE r.parent_run_id = @run
              AND (CAST(@first AS text) IS NULL OR (r.created_at, r.run_id) >= (SELECT created_at, run_id FROM runs WHERE run_id = @first))
              AND (CAST(@last AS text) IS NULL OR (r.created_at, r.run_id) <= (SELECT created_at, run_id FROM runs WHERE run_id = @last))
            ORDER BY d.run_id, d.position
            """).With("@run", parentRunId).With("@first", first).With("@last", last).ReadAll(r => (Child: r.GetString(0), DependsOn: r.GetString(1)))
            .ToLookup(d => d.Child, d => d.DependsOn, StringComparer.Ordinal);

    internal static List<RunDependency> ReadDependencies(SqlCommands commands, string runId) =>
        commands.Get("""
            SELECT d.depends_on_run_id, d.condition, r.status FROM run_dependencies d JOIN runs r ON r.run_id = d.depends_on_run_id
            WHERE d.run_id = @run ORDER BY d.position
            """).With("@run", runId).ReadAll(r => new RunDependency(r.GetString(0), r.GetString(1), r.GetString(2)));

    public Task<IReadOnlyList<string>> ListWaitedForAsync(string runId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<string>>(
            commands => commands.Get($"""
                WITH RECURSIVE up (id) AS (
                    SELECT d.depends_on_run_id FROM run_dependencies d JOIN runs r ON r.run_id = d.depends_on_run_id
                    WHERE d.run_id = @run AND r.status NOT IN {Terminal}
                    UNION
                    SELECT d.depends_on_run_id FROM run_dependencies d JOIN up ON d.run_id = up.id JOIN runs r ON r.run_id = d.depends_on_run_id
                    WHERE r.status NOT IN {Terminal})
                SELECT id FROM up
                """).With("@run", runId).ReadAll(r => r.GetString(0)),
            snapshot: false,
            cancellationToken);

    /// <summary>The distinct run ids of a spawn's <c>dependsOn</c>, in their order (none when absent).</summary>
    internal static List<string> DependsOn(JsonElement spawn) =>
        spawn.TryGetProperty("dependsOn", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? [.. ids.EnumerateArray().Select(id => id.GetString()!).Distinct(StringComparer.Ordinal)]
            : [];

    /// <summary>Stores a new child's dependencies; true when its start must wait (one has not completed).</summary>
    private static bool AddDependencies(SqlCommands commands, string runId, List<string> dependsOn)
    {
        var held = false;
        for (var i = 0; i < dependsOn.Count; i++)
        {
            commands.Get("INSERT INTO run_dependencies (run_id, depends_on_run_id, condition, position) VALUES (@run, @dependency, @condition, @position)")
                .With("@run", runId).With("@dependency", dependsOn[i]).With("@condition", DependencyCondition).With("@position", i).ExecuteNonQuery();
            held |= commands.Get("SELECT status FROM runs WHERE run_id = @id").With("@id", dependsOn[i]).ExecuteScalar() as string != RunStatus.Completed;
        }

        return held;
    }

    /// <summary>
    /// Called once <paramref name="runId"/>'s terminal status is written: each unfinished run that depends on it is
    /// looked at again. Ending one ends its own dependents in turn, so a chain of thousands is worked through a queue,
    /// not by recursion (which overflowed the stack): the first call drains the queue, the calls made meanwhile add to it.
    /// </summary>
    private static void OnDependencyFinishing(SqlCommands commands, string runId, DateTimeOffset now)
    {
        if (commands.Dependencies is { } active)
        {
            AddDependents(commands, active, runId);
            return;
        }

        var drain = commands.Dependencies = new Queue<string>();
        try
        {
            AddDependents(commands, drain, runId);
            while (drain.TryDequeue(out var dependent))
            {
                EvaluateDependencies(commands, dependent, now);
            }
        }
        finally
        {
            commands.Dependencies = null;
        }
    }

    private static void AddDependents(SqlCommands commands, Queue<string> drain, string runId)
    {
        foreach (var dependent in commands.Get($"""
            SELECT d.run_id FROM run_dependencies d JOIN runs r ON r.run_id = d.run_id
            WHERE d.depends_on_run_id = @id AND r.status NOT IN {Terminal}
            """).With("@id", runId).ReadAll(r => r.GetString(0)))
        {
            drain.Enqueue(dependent);
        }
    }

    /// <summary>Starts, keeps waiting or ends a run held on its dependencies, as their statuses say.</summary>
    private static void EvaluateDependencies(SqlCommands commands, string runId, DateTimeOffset now)
    {
        string hosting;
        DateTimeOffset createdAt;
        using (var reader = commands.Get("SELECT status, hosting, created_at FROM runs WHERE run_id = @id").With("@id", runId).ExecuteReader())
        {
            if (!reader.Read() || RunStatus.IsTerminal(reader.GetString(0)))
            {
                return;
            }

            (hosting, createdAt) = (reader.GetNullableString(1) ?? "service", reader.GetTimestamp(2));
        }

        if (!IsHeld(commands, runId))
        {
            return; // Started already: its dependencies are behind it, and its status is its runtime's.
        }

        var dependencies = ReadDependencies(commands, runId);
        if (dependencies.Find(d => RunStatus.IsTerminal(d.Status) && d.Condition == DependencyCondition && d.Status != RunStatus.Completed) is { } broken)
        {
            EndForDependency(commands, runId, broken, now);
            return;
        }

        var open = dependencies.Where(d => !RunStatus.IsTerminal(d.Status)).Select(d => d.RunId).ToList();
        if (open.Count > 0)
        {
            SetStatus(commands, runId, RunStatus.Waiting, DependencyWait(open, createdAt), now);
            return;
        }

        commands.Get("UPDATE deliveries SET status = 'pending' WHERE run_id = @run AND status = 'held'").With("@run", runId).ExecuteNonQuery();
        SetStatus(commands, runId, hosting == "local" ? RunStatus.Starting : RunStatus.Queued, null, now);
        commands.WakeAfterCommit(runId);
    }

    /// <summary>Ends a run that can no longer start: a dependency it needed completed ended otherwise.</summary>
    private static void EndForDependency(SqlCommands commands, string runId, RunDependency broken, DateTimeOffset now)
    {
        var status = broken.Status == RunStatus.Cancelled ? RunStatus.Cancelled : RunStatus.Failed;
        var message = $"Dependency {broken.RunId} ended {broken.Status}; this run needed it {broken.Condition} and never started.";
        EndWithError(commands, runId, status, "dependency_failed", message, now);
    }

    /// <summary>Whether the run waits for its dependencies and was never started (its <c>task.start</c> is held).</summary>
    internal static bool IsHeld(SqlCommands commands, string runId) =>
        commands.Get("SELECT 1 FROM deliveries WHERE run_id = @run AND status = 'held' LIMIT 1").With("@run", runId).ExecuteScalar() is not null;

    private static string DependencyWait(List<string> open, DateTimeOffset since) => System.Text.Encoding.UTF8.GetString(JsonText.Bytes(w =>
    {
        w.WriteStartArray();
        w.WriteStartObject();
        w.WriteString("kind", "dependency");
        w.WriteStartArray("refs");
        foreach (var id in open)
        {
            w.WriteStartObject();
            w.WriteString("type", "run");
            w.WriteString("id", id);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("since", Runtime.RuntimeSession.Timestamp(since));
        w.WriteEndObject();
        w.WriteEndArray();
    }));
}
