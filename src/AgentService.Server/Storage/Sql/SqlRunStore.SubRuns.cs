using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Runtime;
using AgentService.Server.Json;
using AgentService.Server.Runs;

namespace AgentService.Server.Storage.Sql;

/// <summary>
/// Sub-runs (PROTOCOL.md §6). A child is created when its parent's <c>subrun.spawned</c> is stored (same transaction):
/// same session, parent and root links, its <c>task.start</c> as sequence 1. A <c>local</c> child gets an attempt at
/// once, held by the parent's connection and sharing its lease (no lease of its own); a <c>service</c> child waits for
/// a runtime of its agent like any run. An awaited child puts its parent in <c>waiting(subrun)</c>; its end writes a
/// <c>wake</c> delivery to the parent in the transaction that stores it.
/// </summary>
internal sealed partial class SqlRunStore
{
    internal const string Terminal = "('completed', 'failed', 'cancelled', 'timed_out')";

    public Task<IReadOnlyList<RunRecord>> ListChildrenAsync(string runId, string? afterRunId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<RunRecord>>(
            commands => commands.Get($"""
                SELECT {RunColumns} FROM runs
                WHERE parent_run_id = @parent
                  AND (CAST(@after AS text) IS NULL OR (created_at, run_id) > (SELECT created_at, run_id FROM runs WHERE run_id = @after))
                ORDER BY created_at, run_id
                LIMIT @limit
                """).With("@parent", runId).With("@after", afterRunId).With("@limit", limit).ReadAll(ReadRun),
            snapshot: false,
            cancellationToken);

    public Task<IReadOnlyList<RunRecord>> ListAgentRunsAsync(string agentId, string? status, string? afterRunId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<RunRecord>>(
            commands =>
            {
                // Two statements rather than an optional filter, so each walks its own index (agent, [status,] created_at, run_id).
                var statusFilter = status is null ? "" : "AND status = @status";
                var command = commands.Get($"""
                    SELECT {RunColumns} FROM runs
                    WHERE agent_id = @agent {statusFilter}
                      AND (CAST(@after AS text) IS NULL OR (created_at, run_id) < (SELECT created_at, run_id FROM runs WHERE run_id = @after))
                    ORDER BY created_at DESC, run_id DESC
                    LIMIT @limit
                    """).With("@agent", agentId).With("@after", afterRunId).With("@limit", limit);
                return (status is null ? command : command.With("@status", status)).ReadAll(ReadRun);
            },
            snapshot: false,
            cancellationToken);

    public async Task<bool> CoversAsync(string tokenRunId, string runId, CancellationToken cancellationToken)
    {
        // Sub-runs nest a few levels at most; the bound keeps a corrupt parent cycle from looping.
        var current = runId;
        for (var depth = 0; depth < 64 && current is not null; depth++)
        {
            if (current == tokenRunId)
            {
                return true;
            }

            current = (await GetRunAsync(current, cancellationToken))?.ParentRunId;
        }

        return false;
    }

    public Task<IReadOnlyList<(RunRecord Run, DeliveryRecord Delivery)>> CancelTreeAsync(string runId, bool cascade, string payload, string traceparent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync<IReadOnlyList<(RunRecord, DeliveryRecord)>>(commands =>
        {
            var runs = commands.Get($"""
                WITH RECURSIVE tree (tree_run_id, depth) AS (
                    SELECT @root, 0
                    UNION ALL
                    SELECT r.run_id, t.depth + 1 FROM runs r JOIN tree t ON r.parent_run_id = t.tree_run_id
                    WHERE t.depth < 64 AND (@cascade OR r.hosting = 'local'))
                SELECT {RunColumns} FROM runs JOIN tree ON run_id = tree_run_id
                WHERE status NOT IN {Terminal}
                ORDER BY depth, created_at, run_id
                """).With("@root", runId).With("@cascade", cascade).ReadAll(ReadRun);

            // A cancel already on its way answers for a second one (asked again, or a retry after a lost reply) — only an
            // immediate cancel after a graceful one is a new request. The runtime stops at the first cancel, so extra
            // ones could never be acknowledged and would count as work left pending. The latest pending cancel answers:
            // after a graceful one and an immediate one, that is the immediate one, whatever is asked next.
            var immediate = CancelPayload.IsImmediate(payload);
            var cancelled = new List<(RunRecord, DeliveryRecord)>(runs.Count);
            foreach (var run in runs)
            {
                if (commands.Get("SELECT status FROM runs WHERE run_id = @id").With("@id", run.RunId).ExecuteScalar() is not string status || RunStatus.IsTerminal(status))
                {
                    continue; // Ended with a dependency cancelled above it in this loop.
                }

                var pending = SqlDeliveryStore.LastPending(commands, run.RunId, "cancel");
                var delivery = pending is not null && (CancelPayload.IsImmediate(pending.Payload) || !immediate)
                    ? pending
                    : SqlDeliveryStore.Append(commands, run.RunId, TypeId.New("dlv"), "cancel", payload, traceparent, now)!;
                if (IsHeld(commands, run.RunId))
                {
                    // Waiting for its dependencies, it never started: nothing runs it to act on the cancel, so it ends here
                    // (and so do the runs that depend on it).
                    EndWithError(commands, run.RunId, RunStatus.Cancelled, "cancelled", "Cancelled while waiting for its dependencies; it never started.", now);
                }

                cancelled.Add((run, delivery));
            }

            return cancelled;
        }, cancellationToken);
    }

    public Task<RecoverOutcome> RecoverSubRunsAsync(string hostAttemptId, string connectionId, IReadOnlyList<string> subRunIds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands =>
        {
            var found = new List<RunRecord>();
            var unknown = new List<string>();
            var finished = new List<string>();
            foreach (var id in subRunIds.Distinct(StringComparer.Ordinal))
            {
                RunRecord? run;
                using (var reader = commands.Get($"SELECT {RunColumns} FROM runs WHERE run_id = @id").With("@id", id).ExecuteReader())
                {
                    run = reader.Read() ? ReadRun(reader) : null;
                }

                if (run is not { Hosting: "local" } || run.HostAttemptId != hostAttemptId)
                {
                    unknown.Add(id);
                }
                else if (RunStatus.IsTerminal(run.Status))
                {
                    finished.Add(id);
                }
                else
                {
                    found.Add(run);
                }
            }

            if (unknown.Count > 0)
            {
                return new RecoverOutcome([], RuntimeErrorCodes.UnknownRun, unknown, []);
            }

            if (finished.Count > 0)
            {
                return new RecoverOutcome([], RuntimeErrorCodes.RunFinished, finished, []);
            }

            var bound = new List<(RunRecord, AttemptRecord)>(found.Count);
            foreach (var run in found)
            {
                using var reader = commands.Get($"""
                    UPDATE attempts SET connection_id = @connection, updated_at = @at
                    WHERE run_id = @run AND status = @active
                    RETURNING {AttemptColumns}
                    """).With("@connection", connectionId).With("@at", now.ToUnixMs()).With("@run", run.RunId).With("@active", AttemptStatus.Active).ExecuteReader();
                if (reader.Read())
                {
                    bound.Add((run, ReadAttempt(reader)));
                }
            }

            var lost = EndLocalSubRuns(commands, hostAttemptId, "not recovered after a reconnect", [.. found.Select(r => r.RunId)], now);
            return new RecoverOutcome(bound, 0, [], lost);
        }, cancellationToken);
    }

    /// <summary>Creates the child run of a stored <c>subrun.spawned</c> (PROTOCOL.md §6). The session checked the
    /// event before (the child id is new; a service-hosted child names a defined agent).</summary>
    internal static void Spawn(SqlCommands commands, string parentRunId, string parentAttemptId, string traceparent, JsonElement data, DateTimeOffset now)
    {
        string parentAgent, sessionId, rootRunId, hostAttemptId;
        using (var reader = commands.Get("SELECT agent_id, session_id, root_run_id, hosting, host_attempt_id FROM runs WHERE run_id = @id").With("@id", parentRunId).ExecuteReader())
        {
            reader.Read();
            (parentAgent, sessionId, rootRunId) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));

            // A local child of a local child lives in the same process: the attempt that hosts them all is the top one's.
            hostAttemptId = reader.GetNullableString(3) == "local" ? reader.GetString(4) : parentAttemptId;
        }

        var childRunId = data.GetProperty("childRunId").GetString()!;
        var hosting = data.GetProperty("hosting").GetString()!;
        var agent = data.GetProperty("agent");
        var awaited = data.GetProperty("await").GetBoolean();
        var toolCall = data.TryGetProperty("parentToolCallId", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var local = hosting == "local";
        var inserted = commands.Get("""
            INSERT INTO runs (run_id, agent_id, session_id, parent_run_id, root_run_id, status, attempt_count, next_sequence, hosting, host_attempt_id,
                relation, awaited, parent_tool_call_id, traceparent, created_at, updated_at)
            VALUES (@id, @agent, @session, @parent, @root, @status, @attempts, 1, @hosting, @host, @relation, @awaited, @tool, @trace, @at, @at)
            ON CONFLICT (run_id) DO NOTHING
            """)
            .With("@id", childRunId).With("@agent", local ? parentAgent : agent.GetProperty("name").GetString()).With("@session", sessionId)
            .With("@parent", parentRunId).With("@root", rootRunId).With("@status", local ? RunStatus.Starting : RunStatus.Queued).With("@attempts", local ? 1 : 0)
            .With("@hosting", hosting).With("@host", local ? hostAttemptId : null).With("@relation", data.GetProperty("relation").GetString())
            .With("@awaited", awaited).With("@tool", toolCall).With("@trace", traceparent).With("@at", now.ToUnixMs())
            .ExecuteNonQuery();
        if (inserted == 0)
        {
            return; // The session refuses an existing child id before storing; a race lost here changes nothing.
        }

        var dependsOn = DependsOn(data);
        var payload = JsonText.Object(w =>
        {
            w.WritePropertyName("task");
            data.GetProperty("task").WriteTo(w);
            w.WritePropertyName("agent");
            agent.WriteTo(w);
            w.WriteString("parentRunId", parentRunId);
            w.WriteString("rootRunId", rootRunId);
            if (toolCall is not null)
            {
                w.WriteString("parentToolCallId", toolCall);
            }

            if (dependsOn.Count > 0)
            {
                w.WriteStartArray("dependencies");
                foreach (var dependency in dependsOn)
                {
                    w.WriteStartObject();
                    w.WriteString("runId", dependency);
                    w.WriteString("condition", DependencyCondition);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }
        });

        // A child with dependencies not yet completed keeps its task.start held until they are (SqlRunStore.Dependencies).
        var held = AddDependencies(commands, childRunId, dependsOn);
        SqlDeliveryStore.Insert(commands, TypeId.New("dlv"), childRunId, 1, "task.start", payload, traceparent, now, held);
        if (local)
        {
            // Run by the parent's process over the parent's connection; it shares the host's lease (PROTOCOL.md §5).
            commands.Get("""
                INSERT INTO attempts (attempt_id, run_id, number, status, instance_id, connection_id, connection_epoch, capabilities, created_at, updated_at)
                SELECT @id, @run, 1, @active, instance_id, connection_id, connection_epoch, capabilities, @at, @at FROM attempts WHERE attempt_id = @host
                """)
                .With("@id", TypeId.New("att")).With("@run", childRunId).With("@active", AttemptStatus.Active).With("@at", now.ToUnixMs()).With("@host", hostAttemptId)
                .ExecuteNonQuery();
        }

        if (awaited)
        {
            UpdateSubrunWait(commands, parentRunId, null, now);
        }

        if (held)
        {
            EvaluateDependencies(commands, childRunId, now);
        }
    }

    /// <summary>Called as a run becomes terminal, before its status is written: its attempt ends, and an awaited child
    /// wakes its parent (a <c>wake</c> delivery with the child's result). Returns the attempts it ended (whose local
    /// sub-runs <see cref="SetStatus"/> ends once the status is written); null, doing nothing, when it already was.</summary>
    internal static List<string>? OnRunFinishing(SqlCommands commands, string runId, string status, JsonElement? finished, DateTimeOffset now)
    {
        string? parentRunId, hosting, traceparent;
        bool awaited;
        using (var reader = commands.Get("SELECT status, parent_run_id, hosting, awaited, traceparent FROM runs WHERE run_id = @id").With("@id", runId).ExecuteReader())
        {
            if (!reader.Read() || RunStatus.IsTerminal(reader.GetString(0)))
            {
                return null;
            }

            (parentRunId, hosting, awaited, traceparent) = (reader.GetNullableString(1), reader.GetNullableString(2), reader.GetBoolean(3), reader.GetNullableString(4));
        }

        // A finished run's attempt is over with it (a local child's too): it holds no lease to lapse later, and a worker
        // whose run token stopped working with the run has nothing left to release.
        var ended = commands.Get("UPDATE attempts SET status = @ended, exit_reason = COALESCE(exit_reason, 'run finished'), connection_id = NULL, updated_at = @at WHERE run_id = @run AND status IN (@pending, @active) RETURNING attempt_id")
            .With("@ended", AttemptStatus.Ended).With("@at", now.ToUnixMs()).With("@run", runId).With("@pending", AttemptStatus.Pending).With("@active", AttemptStatus.Active)
            .ReadAll(r => r.GetString(0));

        // The parent hears of this run's end before it hears of what that end did to the runs depending on it.
        WakeAwaitingParent(commands, runId, status, finished, parentRunId, awaited, traceparent, now);
        return ended;
    }

    private static void WakeAwaitingParent(SqlCommands commands, string runId, string status, JsonElement? finished, string? parentRunId, bool awaited, string? traceparent, DateTimeOffset now)
    {
        if (parentRunId is null || !awaited
            || commands.Get("SELECT status FROM runs WHERE run_id = @id").With("@id", parentRunId).ExecuteScalar() is not string parentStatus
            || RunStatus.IsTerminal(parentStatus))
        {
            return;
        }

        var payload = JsonText.Object(w =>
        {
            w.WriteString("reason", "subrun_finished");
            w.WriteStartArray("resolves");
            WriteSubrunReason(w, [runId]);
            w.WriteEndArray();
            w.WriteStartArray("subrunResults");
            w.WriteStartObject();
            w.WriteString("childRunId", runId);
            w.WriteString("status", status);
            if (finished is { } data && data.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object)
            {
                foreach (var member in result.EnumerateObject().Where(m => m.Name is "summary" or "output" or "artifacts"))
                {
                    member.WriteTo(w);
                }
            }

            if (finished is { } failed && failed.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                w.WritePropertyName("error");
                error.WriteTo(w);
            }

            w.WriteEndObject();
            w.WriteEndArray();
        });
        SqlDeliveryStore.Append(commands, parentRunId, TypeId.New("dlv"), "wake", payload, traceparent ?? Runtime.RuntimeSession.NewTraceparent(), now);
        commands.WakeAfterCommit(parentRunId);
        UpdateSubrunWait(commands, parentRunId, runId, now);
    }

    /// <summary>
    /// The unfinished local sub-runs of any attempt of <paramref name="hostRunId"/>, oldest first (a parent before its
    /// children).
    /// </summary>
    private static List<string> HostedSubRuns(SqlCommands commands, string hostRunId) =>
        commands.Get($"""
            SELECT c.run_id FROM runs c
            WHERE c.host_attempt_id IN (SELECT attempt_id FROM attempts WHERE run_id = @host)
              AND c.hosting = 'local' AND c.status NOT IN {Terminal}
            ORDER BY c.created_at, c.run_id
            """).With("@host", hostRunId).ReadAll(r => r.GetString(0));

    /// <summary>SQL: the run aliased <paramref name="c"/> is a local sub-run that needs its host's runtime: unfinished
    /// and not held for its dependencies.</summary>
    internal static string IsLocalWork(string c) =>
        $"{c}.hosting = 'local' AND {c}.status NOT IN {Terminal} AND NOT EXISTS (SELECT 1 FROM deliveries hd WHERE hd.run_id = {c}.run_id AND hd.status = 'held')";

    /// <summary>SQL: the run <paramref name="hostRun"/> (an SQL expression) hosts local sub-runs that need its runtime
    /// (<see cref="IsLocalWork"/>). Work for a runtime, like a pending delivery of its own.</summary>
    internal static string HostsLocalWork(string hostRun) =>
        $"EXISTS (SELECT 1 FROM runs c WHERE c.host_attempt_id IN (SELECT attempt_id FROM attempts WHERE run_id = {hostRun}) AND {IsLocalWork("c")})";

    /// <summary>Ends the run's open (pending or active) attempts as lost, with <paramref name="reason"/>; returns their ids.</summary>
    internal static List<string> LoseOpenAttempts(SqlCommands commands, string runId, string reason, DateTimeOffset now) =>
        commands.Get("UPDATE attempts SET status = @lost, exit_reason = @reason, connection_id = NULL, updated_at = @at WHERE run_id = @run AND status IN (@pending, @active) RETURNING attempt_id")
            .With("@lost", AttemptStatus.Lost).With("@reason", reason).With("@at", now.ToUnixMs()).With("@run", runId)
            .With("@pending", AttemptStatus.Pending).With("@active", AttemptStatus.Active).ReadAll(r => r.GetString(0));

    /// <summary>The attempt of a host that is over (its process exited, its lease lapsed) ends its local sub-runs'
    /// attempts too: they lived in that process. The runs stay open for the host run's next attempt, which takes them
    /// over (<see cref="AdoptLocalSubRuns"/>); they end with the host run if none comes.</summary>
    internal static void ReleaseLocalSubRuns(SqlCommands commands, string hostAttemptId, string reason, DateTimeOffset now) =>
        commands.Get($"""
            UPDATE attempts SET status = @lost, exit_reason = @reason, connection_id = NULL, updated_at = @at
            WHERE status IN (@pending, @active)
              AND run_id IN (SELECT run_id FROM runs WHERE host_attempt_id = @host AND hosting = 'local' AND status NOT IN {Terminal})
            """)
            .With("@lost", AttemptStatus.Lost).With("@reason", reason).With("@at", now.ToUnixMs()).With("@host", hostAttemptId)
            .With("@pending", AttemptStatus.Pending).With("@active", AttemptStatus.Active).ExecuteNonQuery();

    /// <summary>
    /// Hands the unfinished local sub-runs of <paramref name="hostRunId"/>'s attempts to its attempt
    /// <paramref name="hostAttemptId"/> (attached now, without memory of them): each one's old attempt is lost and it
    /// gets a new one, held by the host's connection like a spawned child's.
    /// </summary>
    private static List<(RunRecord Run, AttemptRecord Attempt)> AdoptLocalSubRuns(SqlCommands commands, string hostRunId, string hostAttemptId, DateTimeOffset now)
    {
        var adopted = new List<(RunRecord, AttemptRecord)>();
        foreach (var childRunId in HostedSubRuns(commands, hostRunId))
        {
            LoseOpenAttempts(commands, childRunId, "handed to attempt " + hostAttemptId, now);
            RunRecord run;
            using (var reader = commands.Get($"UPDATE runs SET attempt_count = attempt_count + 1, host_attempt_id = @host, updated_at = @at WHERE run_id = @run RETURNING {RunColumns}")
                .With("@host", hostAttemptId).With("@at", now.ToUnixMs()).With("@run", childRunId).ExecuteReader())
            {
                reader.Read();
                run = ReadRun(reader);
            }

            using (var reader = commands.Get($"""
                INSERT INTO attempts (attempt_id, run_id, number, status, instance_id, connection_id, connection_epoch, capabilities, created_at, updated_at)
                SELECT @id, @run, @number, @active, instance_id, connection_id, connection_epoch, capabilities, @at, @at FROM attempts WHERE attempt_id = @host
                RETURNING {AttemptColumns}
                """)
                .With("@id", TypeId.New("att")).With("@run", childRunId).With("@number", run.AttemptCount).With("@active", AttemptStatus.Active)
                .With("@at", now.ToUnixMs()).With("@host", hostAttemptId).ExecuteReader())
            {
                reader.Read();
                adopted.Add((run, ReadAttempt(reader)));
            }
        }

        return adopted;
    }

    /// <summary>Ends, when <paramref name="hostRunId"/> finished, every unfinished local sub-run its attempts hosted and
    /// its own unfinished local children (a local run's children are hosted by the top run's attempt, and belong to it
    /// all the same): nothing will run them any more. Their own local children end with them, in turn.</summary>
    internal static void EndHostedSubRuns(SqlCommands commands, string hostRunId, string reason, DateTimeOffset now)
    {
        var children = commands.Get($"SELECT run_id FROM runs WHERE parent_run_id = @run AND hosting = 'local' AND status NOT IN {Terminal} ORDER BY created_at, run_id")
            .With("@run", hostRunId).ReadAll(r => r.GetString(0));
        foreach (var runId in HostedSubRuns(commands, hostRunId).Union(children, StringComparer.Ordinal))
        {
            // Ending one may have ended others already (its dependents).
            if (commands.Get("SELECT status FROM runs WHERE run_id = @id").With("@id", runId).ExecuteScalar() is string status && !RunStatus.IsTerminal(status))
            {
                EndLocalSubRun(commands, runId, "run " + hostRunId, reason, now);
            }
        }
    }

    /// <summary>Ends the unfinished local sub-runs of an attempt that is over (or that a recover left out): their
    /// attempts are lost and their runs fail (a service <c>run.finished</c>, error <c>attempt_lost</c>), which wakes a
    /// parent that awaited them. Returns their ids.</summary>
    internal static List<string> EndLocalSubRuns(SqlCommands commands, string hostAttemptId, string reason, IReadOnlyCollection<string> keep, DateTimeOffset now)
    {
        var orphans = new List<string>();
        using (var reader = commands.Get($"SELECT run_id FROM runs WHERE host_attempt_id = @host AND hosting = 'local' AND status NOT IN {Terminal}").With("@host", hostAttemptId).ExecuteReader())
        {
            while (reader.Read())
            {
                if (!keep.Contains(reader.GetString(0)))
                {
                    orphans.Add(reader.GetString(0));
                }
            }
        }

        foreach (var runId in orphans)
        {
            EndLocalSubRun(commands, runId, "attempt " + hostAttemptId, reason, now);
        }

        return orphans;
    }

    private static void EndLocalSubRun(SqlCommands commands, string runId, string host, string reason, DateTimeOffset now)
    {
        LoseOpenAttempts(commands, runId, reason, now);
        // Its log says why it ended (a UI that reads the stream sees it fail), and an awaiting parent's wake carries it.
        EndWithError(commands, runId, RunStatus.Failed, "attempt_lost", $"Its host ({host}) is over ({reason}); nothing runs it any more.", now);
    }

    /// <summary>Re-applies the run's wait on its unfinished awaited children (after the runtime set its status itself).</summary>
    internal static void RefreshSubrunWait(SqlCommands commands, string runId, DateTimeOffset now) => UpdateSubrunWait(commands, runId, null, now);

    /// <summary>Puts the parent in <c>waiting(subrun)</c> naming its unfinished awaited children, or back to
    /// <c>running</c> once none is left (only when it was waiting on sub-runs).</summary>
    private static void UpdateSubrunWait(SqlCommands commands, string parentRunId, string? finishingRunId, DateTimeOffset now)
    {
        var open = new List<string>();
        using (var reader = commands.Get($"SELECT run_id FROM runs WHERE parent_run_id = @parent AND awaited = TRUE AND status NOT IN {Terminal} ORDER BY created_at, run_id")
            .With("@parent", parentRunId).ExecuteReader())
        {
            while (reader.Read())
            {
                if (reader.GetString(0) != finishingRunId)
                {
                    open.Add(reader.GetString(0));
                }
            }
        }

        string status;
        string? waitingFor;
        using (var reader = commands.Get("SELECT status, waiting_for FROM runs WHERE run_id = @id").With("@id", parentRunId).ExecuteReader())
        {
            reader.Read();
            (status, waitingFor) = (reader.GetString(0), reader.GetNullableString(1));
        }

        if (RunStatus.IsTerminal(status))
        {
            return;
        }

        // waitingFor is an array of reasons (the output-event schema's run.status.changed): the sub-run reason is
        // replaced, any other reason (e.g. a pending interaction) is kept.
        var (others, hadSubrunWait) = OtherWaitingReasons(status == RunStatus.Waiting ? waitingFor : null);
        if (open.Count > 0)
        {
            SetStatus(commands, parentRunId, RunStatus.Waiting, WaitingReasons(others, open), now);
        }
        else if (hadSubrunWait)
        {
            SetStatus(commands, parentRunId, others.Count > 0 ? RunStatus.Waiting : RunStatus.Running, others.Count > 0 ? WaitingReasons(others, []) : null, now);
        }
    }

    /// <summary>The stored waiting reasons other than sub-runs, and whether one was a sub-run wait.</summary>
    private static (List<string> Others, bool HadSubrunWait) OtherWaitingReasons(string? waitingFor)
    {
        var others = new List<string>();
        if (waitingFor is null)
        {
            return (others, false);
        }

        using var document = JsonDocument.Parse(waitingFor);
        var hadSubrun = false;
        IEnumerable<JsonElement> reasons = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray() : [document.RootElement];
        foreach (var reason in reasons)
        {
            if (reason.ValueKind == JsonValueKind.Object && reason.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "subrun")
            {
                hadSubrun = true;
            }
            else
            {
                others.Add(reason.GetRawText());
            }
        }

        return (others, hadSubrun);
    }

    private static string WaitingReasons(List<string> others, List<string> subruns) => System.Text.Encoding.UTF8.GetString(JsonText.Bytes(w =>
    {
        w.WriteStartArray();
        foreach (var other in others)
        {
            w.WriteRawValue(other);
        }

        if (subruns.Count > 0)
        {
            WriteSubrunReason(w, subruns);
        }

        w.WriteEndArray();
    }));

    private static void WriteSubrunReason(Utf8JsonWriter w, IReadOnlyList<string> runIds)
    {
        w.WriteStartObject();
        WriteSubrunReasonMembers(w, runIds);
        w.WriteEndObject();
    }

    private static void WriteSubrunReasonMembers(Utf8JsonWriter w, IReadOnlyList<string> runIds)
    {
        w.WriteString("kind", "subrun");
        w.WriteStartArray("refs");
        foreach (var id in runIds)
        {
            w.WriteStartObject();
            w.WriteString("type", "run");
            w.WriteString("id", id);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
