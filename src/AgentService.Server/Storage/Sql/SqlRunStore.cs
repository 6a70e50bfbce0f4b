using System.Data.Common;
using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Server.Runs;
using AgentService.Server.Runtime;

namespace AgentService.Server.Storage.Sql;

internal sealed partial class SqlRunStore(ISqlDatabase database, TimeProvider time) : IRunStore
{
    internal const string RunColumns = "run_id, agent_id, session_id, parent_run_id, root_run_id, status, waiting_for, attempt_count, event_count, created_at, updated_at, hosting, host_attempt_id, relation, awaited, parent_tool_call_id, traceparent";
    private const string AttemptColumns = "attempt_id, run_id, number, status, instance_id, connection_id, connection_epoch, capabilities, lease_expires_at, output_seq, exit_reason, created_at";

    public Task<RunRecord> CreateRunAsync(string runId, string agentId, string sessionId, string taskStartPayload, string traceparent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands =>
        {
            var created = commands.Get("""
                INSERT INTO runs (run_id, agent_id, session_id, root_run_id, status, next_sequence, traceparent, created_at, updated_at)
                VALUES (@id, @agent, @session, @id, @status, 1, @trace, @at, @at)
                ON CONFLICT (run_id) DO NOTHING
                """)
                .With("@id", runId).With("@agent", agentId).With("@session", sessionId).With("@status", RunStatus.Queued).With("@trace", traceparent).With("@at", now.ToUnixMs())
                .ExecuteNonQuery() == 1;
            if (!created)
            {
                // Created concurrently (another request for the same task): that one is as good.
                using var reader = commands.Get($"SELECT {RunColumns} FROM runs WHERE run_id = @id").With("@id", runId).ExecuteReader();
                reader.Read();
                return ReadRun(reader);
            }

            SqlDeliveryStore.Insert(commands, TypeId.New("dlv"), runId, 1, "task.start", taskStartPayload, traceparent, now);
            return new RunRecord(runId, agentId, sessionId, null, runId, RunStatus.Queued, null, 0, 0, now, now, Traceparent: traceparent);
        }, cancellationToken);
    }

    public Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        database.ReadAsync(
            commands =>
            {
                using var reader = commands.Get($"SELECT {RunColumns} FROM runs WHERE run_id = @id").With("@id", runId).ExecuteReader();
                return reader.Read() ? ReadRun(reader) : null;
            },
            snapshot: false,
            cancellationToken);

    public Task<AttemptRecord> CreateAttemptAsync(string runId, string attemptId, string tokenHash, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands =>
        {
            var number = (long)commands.Get("UPDATE runs SET attempt_count = attempt_count + 1, status = CASE WHEN status = @queued THEN @starting ELSE status END, updated_at = @at WHERE run_id = @run RETURNING attempt_count")
                .With("@run", runId).With("@queued", RunStatus.Queued).With("@starting", RunStatus.Starting).With("@at", now.ToUnixMs()).ExecuteScalar()!;

            // The previous attempt, if still open, is over: a new one supersedes it.
            commands.Get("UPDATE attempts SET status = @lost, exit_reason = COALESCE(exit_reason, 'superseded'), updated_at = @at WHERE run_id = @run AND status IN (@pending, @active)")
                .With("@lost", AttemptStatus.Lost).With("@at", now.ToUnixMs()).With("@run", runId).With("@pending", AttemptStatus.Pending).With("@active", AttemptStatus.Active)
                .ExecuteNonQuery();
            commands.Get("INSERT INTO attempts (attempt_id, run_id, number, status, created_at, updated_at) VALUES (@id, @run, @n, @status, @at, @at)")
                .With("@id", attemptId).With("@run", runId).With("@n", number).With("@status", AttemptStatus.Pending).With("@at", now.ToUnixMs())
                .ExecuteNonQuery();
            commands.Get("INSERT INTO run_tokens (token_hash, run_id, created_at) VALUES (@hash, @run, @at) ON CONFLICT (token_hash) DO NOTHING")
                .With("@hash", tokenHash).With("@run", runId).With("@at", now.ToUnixMs()).ExecuteNonQuery();
            return new AttemptRecord(attemptId, runId, (int)number, AttemptStatus.Pending, null, null, null, null, null, 0, null, now);
        }, cancellationToken);
    }

    public Task<AttemptRecord?> GetAttemptAsync(string attemptId, CancellationToken cancellationToken) =>
        FirstAsync(QueryAttemptsAsync($"SELECT {AttemptColumns} FROM attempts WHERE attempt_id = @p", attemptId, cancellationToken));

    public Task<AttemptRecord?> GetCurrentAttemptAsync(string runId, CancellationToken cancellationToken) =>
        FirstAsync(QueryAttemptsAsync($"SELECT {AttemptColumns} FROM attempts WHERE run_id = @p ORDER BY number DESC LIMIT 1", runId, cancellationToken));

    public Task<IReadOnlyList<AttemptRecord>> ListAttemptsAsync(string runId, CancellationToken cancellationToken) =>
        QueryAttemptsAsync($"SELECT {AttemptColumns} FROM attempts WHERE run_id = @p ORDER BY number", runId, cancellationToken);

    public Task<string?> FindRunByTokenAsync(string tokenHash, CancellationToken cancellationToken) =>
        database.ReadAsync(
            commands => commands.Get("SELECT run_id FROM run_tokens WHERE token_hash = @hash").With("@hash", tokenHash).ExecuteScalar() as string,
            snapshot: false,
            cancellationToken);

    public Task<AttachOutcome> AttachAsync(AttachRequest request, CancellationToken cancellationToken) =>
        database.WriteAsync(commands =>
        {
            RunRecord? run;
            using (var reader = commands.Get($"SELECT {RunColumns} FROM runs WHERE run_id = @id").With("@id", request.RunId).ExecuteReader())
            {
                run = reader.Read() ? ReadRun(reader) : null;
            }

            if (run is null)
            {
                return Refused(RuntimeErrorCodes.NotFound, $"Run {request.RunId} does not exist.");
            }

            if (RunStatus.IsTerminal(run.Status))
            {
                return Refused(RuntimeErrorCodes.RunFinished, $"Run {request.RunId} is {run.Status}.");
            }

            AttemptRecord? current;
            using (var reader = commands.Get($"SELECT {AttemptColumns} FROM attempts WHERE run_id = @id ORDER BY number DESC LIMIT 1").With("@id", request.RunId).ExecuteReader())
            {
                current = reader.Read() ? ReadAttempt(reader) : null;
            }

            if (current is null || (request.AttemptId is not null && request.AttemptId != current.AttemptId))
            {
                return Refused(RuntimeErrorCodes.AttemptSuperseded, request.AttemptId is null
                    ? $"Run {request.RunId} has no attempt to attach to."
                    : $"Attempt {request.AttemptId} is not the current attempt of run {request.RunId}.");
            }

            if (current.Status is AttemptStatus.Lost or AttemptStatus.Ended)
            {
                return Refused(RuntimeErrorCodes.LeaseExpired, $"Attempt {current.AttemptId} is over ({current.ExitReason ?? current.Status}).");
            }

            var leaseValid = current.LeaseExpiresAt is { } expires && expires > request.Now;
            if (current.InstanceId is { } holder && holder != request.InstanceId && (leaseValid || request.Reconnect))
            {
                return Refused(RuntimeErrorCodes.InstanceMismatch, $"Attempt {current.AttemptId} is held by another runtime instance.");
            }

            if (current.ConnectionEpoch is { } stored && request.Epoch <= stored)
            {
                return Refused(RuntimeErrorCodes.EpochFenced, $"connectionEpoch {request.Epoch} is not above {stored}.");
            }

            var leaseExpiresAt = request.Now + request.Lease;
            commands.Get("""
                UPDATE attempts SET status = @active, instance_id = @instance, connection_id = @connection, connection_epoch = @epoch,
                    capabilities = @capabilities, lease_expires_at = @lease, updated_at = @at
                WHERE attempt_id = @id
                """)
                .With("@active", AttemptStatus.Active).With("@instance", request.InstanceId).With("@connection", request.NewConnectionId)
                .With("@epoch", request.Epoch).With("@capabilities", request.Capabilities).With("@lease", leaseExpiresAt.ToUnixMs())
                .With("@at", request.Now.ToUnixMs()).With("@id", current.AttemptId)
                .ExecuteNonQuery();
            var attached = current with
            {
                Status = AttemptStatus.Active,
                InstanceId = request.InstanceId,
                ConnectionId = request.NewConnectionId,
                ConnectionEpoch = request.Epoch,
                Capabilities = request.Capabilities,
                LeaseExpiresAt = leaseExpiresAt,
            };
            // A runtime that attaches without reconnect has no memory of the run: the unfinished local sub-runs of the
            // run's earlier attempts (or of this one, attached before) are handed to it, each with a new attempt.
            var adopted = request.Reconnect ? [] : AdoptLocalSubRuns(commands, run.RunId, current.AttemptId, request.Now);

            // Past the checks above, an attempt another instance held is taken over (its lease lapsed, no reconnect).
            return new AttachOutcome(attached, current.ConnectionId, 0, null, run, TakenOver: current.InstanceId is { } previous && previous != request.InstanceId)
            {
                Adopted = adopted,
            };
        }, cancellationToken);

    public Task<HeartbeatOutcome> HeartbeatAsync(string attemptId, string connectionId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        database.WriteAsync(commands =>
        {
            using (var reader = commands.Get("SELECT connection_id, status, lease_expires_at FROM attempts WHERE attempt_id = @id").With("@id", attemptId).ExecuteReader())
            {
                if (!reader.Read() || reader.GetNullableString(0) != connectionId)
                {
                    return HeartbeatOutcome.Superseded;
                }

                if (reader.GetString(1) != AttemptStatus.Active || reader.IsDBNull(2) || reader.GetInt64(2) <= now.ToUnixMs())
                {
                    return HeartbeatOutcome.LeaseExpired;
                }
            }

            commands.Get("UPDATE attempts SET lease_expires_at = @lease, updated_at = @at WHERE attempt_id = @id")
                .With("@lease", (now + lease).ToUnixMs()).With("@at", now.ToUnixMs()).With("@id", attemptId).ExecuteNonQuery();
            return HeartbeatOutcome.Renewed;
        }, cancellationToken);

    public Task<bool> EndAttemptAsync(string attemptId, string status, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(
            commands =>
            {
                var runId = commands.Get("UPDATE attempts SET status = @status, exit_reason = @reason, connection_id = NULL, updated_at = @at WHERE attempt_id = @id AND status IN (@pending, @active) RETURNING run_id")
                    .With("@status", status).With("@reason", reason).With("@at", now.ToUnixMs()).With("@id", attemptId)
                    .With("@pending", AttemptStatus.Pending).With("@active", AttemptStatus.Active)
                    .ExecuteScalar() as string;
                if (runId is not null)
                {
                    // The local sub-runs of an attempt live in its process: their attempts end with it, and they wait,
                    // open, for the run's next attempt to take them over (or end with the run).
                    ReleaseLocalSubRuns(commands, attemptId, "host attempt over: " + reason, now);
                    if (status == AttemptStatus.Lost)
                    {
                        RecordAttemptLost(commands, runId, attemptId, reason, now);
                    }
                }

                return runId is not null;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<AttemptRecord>> ListExpiredAttemptsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        QueryAttemptsAsync(
            $"SELECT {AttemptColumns} FROM attempts WHERE status = 'active' AND lease_expires_at < @p", before.ToUnixMs(), cancellationToken);

    public Task<AttemptRecord?> ClaimAsync(string agentId, string workerId, string attemptId, string tokenHash, DateTimeOffset now, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken) =>
        database.WriteAsync(commands =>
        {
            // The writer runs one operation at a time: the check and the claim cannot interleave with another claim.
            // Runs never attempted come first, through the (agent, attempt_count, created_at) index, so a claim does not
            // walk past every run already claimed (which made thousands of claims quadratic).
            // The local sub-runs a run hosted are work for it too: a worker's process that died left them to the next claim.
            var runId = commands.Get($"""
                SELECT r.run_id FROM runs r
                WHERE r.agent_id = @agent AND r.status NOT IN ('completed', 'failed', 'cancelled', 'timed_out')
                  AND r.hosting IS DISTINCT FROM 'local'
                  AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = r.run_id AND d.status = 'pending' AND (d.kind <> 'task.start' OR r.hosting = 'service'))
                       OR {HostsLocalWork("r.run_id")})
                  AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = r.run_id AND a.status IN ('pending', 'active')
                                  AND (a.lease_expires_at IS NULL OR a.lease_expires_at > @now))
                ORDER BY r.attempt_count, r.created_at
                LIMIT 1
                """).With("@agent", agentId).With("@now", now.ToUnixMs()).ExecuteScalar() as string;
            if (runId is null)
            {
                return null;
            }

            var number = (long)commands.Get("UPDATE runs SET attempt_count = attempt_count + 1, status = CASE WHEN status = @queued THEN @starting ELSE status END, updated_at = @at WHERE run_id = @run RETURNING attempt_count")
                .With("@run", runId).With("@queued", RunStatus.Queued).With("@starting", RunStatus.Starting).With("@at", now.ToUnixMs()).ExecuteScalar()!;
            foreach (var lost in LoseOpenAttempts(commands, runId, "claim or lease expired", now))
            {
                ReleaseLocalSubRuns(commands, lost, "host attempt over: claim or lease expired", now);
                RecordAttemptLost(commands, runId, lost, "claim or lease expired", now);
            }

            // The claim lease holds the run for the worker until it attaches (no instance is bound before the attach).
            commands.Get("INSERT INTO attempts (attempt_id, run_id, number, status, lease_expires_at, created_at, updated_at) VALUES (@id, @run, @n, @status, @lease, @at, @at)")
                .With("@id", attemptId).With("@run", runId).With("@n", number).With("@status", AttemptStatus.Pending)
                .With("@lease", leaseExpiresAt.ToUnixMs()).With("@at", now.ToUnixMs())
                .ExecuteNonQuery();
            commands.Get("INSERT INTO run_tokens (token_hash, run_id, created_at) VALUES (@hash, @run, @at) ON CONFLICT (token_hash) DO NOTHING")
                .With("@hash", tokenHash).With("@run", runId).With("@at", now.ToUnixMs()).ExecuteNonQuery();
            return new AttemptRecord(attemptId, runId, (int)number, AttemptStatus.Pending, null, null, null, null, leaseExpiresAt, 0, "claimed by " + workerId, now);
        }, cancellationToken);

    public Task RenewActiveLeasesAsync(DateTimeOffset now, TimeSpan lease, bool releaseConnections, CancellationToken cancellationToken) =>
        database.WriteAsync(
            commands => commands.Get("""
                UPDATE attempts SET lease_expires_at = @lease, connection_id = CASE WHEN @release THEN NULL ELSE connection_id END
                WHERE status = @active AND lease_expires_at IS NOT NULL AND lease_expires_at < @lease
                """).With("@lease", (now + lease).ToUnixMs()).With("@release", releaseConnections).With("@active", AttemptStatus.Active).ExecuteNonQuery(),
            cancellationToken);

    public Task<IReadOnlyList<CompletedStep>> EndRunAsync(string runId, string status, string errorCode, string errorMessage, bool onlyIfNeverAttempted, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync<IReadOnlyList<CompletedStep>>(commands =>
        {
            using (var reader = commands.Get("SELECT status, attempt_count FROM runs WHERE run_id = @id").With("@id", runId).ExecuteReader())
            {
                if (!reader.Read() || RunStatus.IsTerminal(reader.GetString(0)) || (onlyIfNeverAttempted && reader.GetInt64(1) != 0))
                {
                    return [];
                }
            }

            return EndWithError(commands, runId, status, errorCode, errorMessage, now);
        }, cancellationToken);
    }

    /// <summary>The service ends a run inside a write operation: its open steps complete with the error
    /// (<see cref="FinishOpenSteps"/>), a service <c>run.finished</c> with the status and error is logged, and the
    /// terminal status is written (which wakes an awaiting parent and the run's dependents). Returns the steps.</summary>
    internal static List<CompletedStep> EndWithError(SqlCommands commands, string runId, string status, string errorCode, string errorMessage, DateTimeOffset now)
    {
        var completed = FinishOpenSteps(commands, runId, status, errorCode, errorMessage, now);
        using var finished = System.Text.Json.JsonDocument.Parse(Json.JsonText.Object(w =>
        {
            w.WriteString("status", status);
            w.WriteStartObject("error");
            w.WriteString("code", errorCode);
            w.WriteString("message", errorMessage);
            w.WriteEndObject();
        }));
        var log = RunLogWriter.Open(commands, runId, now)!;
        log.AppendServiceEvent("run.finished", w =>
        {
            foreach (var member in finished.RootElement.EnumerateObject())
            {
                member.WriteTo(w);
            }
        });

        // The run.finished's data goes with the status: an awaiting parent's wake carries the error. The run's stream
        // readers hear of the event after the commit.
        SetStatus(commands, runId, status, null, now, finished.RootElement);
        log.Commit();
        commands.WakeAfterCommit(runId);
        return completed;
    }

    /// <summary>
    /// A run is ending: its steps that did not finish are completed with an error saying how the run ended (PROTOCOL.md
    /// §13: a failed or cancelled step shows as completed, the failure in <c>additional_output.error</c>), and its
    /// inputs not yet delivered (or held for its dependencies) are dropped, since nothing will run them. Returns the
    /// steps, for their waiters.
    /// </summary>
    internal static List<CompletedStep> FinishOpenSteps(SqlCommands commands, string runId, string status, string errorCode, string errorMessage, DateTimeOffset now)
    {
        var error = Json.JsonText.Object(w =>
        {
            w.WriteStartObject("error");
            w.WriteString("type", status);
            w.WriteString("code", errorCode);
            w.WriteString("message", errorMessage);
            w.WriteEndObject();
        });
        var completed = commands.Get($"""
            UPDATE steps SET status = @completed, additional_output = @error, is_last = TRUE, updated_at = @at
            WHERE task_id = @run AND status <> @completed
            RETURNING {Sqlite.SqliteStepStore.ReturningColumns}
            """).With("@completed", Protocol.AgentProtocol.StepStatus.Completed).With("@error", error).With("@at", now.ToUnixMs()).With("@run", runId)
            .ReadAll(r => new CompletedStep(Sqlite.SqliteStepStore.Read(r, 0), []));
        commands.Get("UPDATE deliveries SET status = 'dropped' WHERE run_id = @run AND status IN ('pending', 'held')").With("@run", runId).ExecuteNonQuery();
        return completed;
    }

    /// <summary>Sets a run's status inside a write operation (a terminal status also records when it finished).</summary>
    internal static int SetStatus(SqlCommands commands, string runId, string status, string? waitingFor, DateTimeOffset now, System.Text.Json.JsonElement? finished = null)
    {
        var endedAttempts = RunStatus.IsTerminal(status) ? OnRunFinishing(commands, runId, status, finished, now) : null;
        var updated = commands.Get("UPDATE runs SET status = @status, waiting_for = @waiting, updated_at = @at, finished_at = CASE WHEN @terminal THEN @at ELSE finished_at END WHERE run_id = @id")
            .With("@status", status).With("@waiting", waitingFor).With("@at", now.ToUnixMs()).With("@terminal", RunStatus.IsTerminal(status)).With("@id", runId)
            .ExecuteNonQuery();
        if (endedAttempts is not null)
        {
            // After the status is written (so what follows sees the run ended, and wakes nothing of it): the local
            // sub-runs its attempts hosted have nothing left to run them — they are lost and fail — and the runs
            // depending on it start or end.
            EndHostedSubRuns(commands, runId, "host run finished", now);
            OnDependencyFinishing(commands, runId, now);
        }

        return updated;
    }

    /// <summary>
    /// A lost attempt is recorded in its run's log (PROTOCOL.md §5): a service <c>error.occurred</c>, scope
    /// <c>runtime</c>, code <c>attempt_lost</c>, not fatal (a new attempt may take the run on), so a reader of the log or
    /// the stream sees why the run's work paused and started again.
    /// </summary>
    private static void RecordAttemptLost(SqlCommands commands, string runId, string attemptId, string reason, DateTimeOffset now)
    {
        if (RunLogWriter.Open(commands, runId, now) is not { } log)
        {
            return;
        }

        log.AppendServiceEvent("error.occurred", w =>
        {
            w.WriteStartObject("error");
            w.WriteString("code", "attempt_lost");
            w.WriteString("message", $"Attempt {attemptId} is lost ({reason}): its runtime did not renew its lease in time.");
            w.WriteBoolean("retryable", true);
            w.WriteStartObject("details");
            w.WriteString("attemptId", attemptId);
            w.WriteString("reason", reason);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("scope", "runtime");
            w.WriteBoolean("fatal", false);
        });
        log.Commit();
        commands.WakeAfterCommit(runId);
    }

    private static AttachOutcome Refused(int code, string message) => new(null, null, code, message, null);

    private static async Task<AttemptRecord?> FirstAsync(Task<IReadOnlyList<AttemptRecord>> attempts) => await attempts is [var first, ..] ? first : null;

    private Task<IReadOnlyList<AttemptRecord>> QueryAttemptsAsync(string sql, object parameter, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AttemptRecord>>(
            commands => commands.Get(sql).With("@p", parameter).ReadAll(ReadAttempt),
            snapshot: false,
            cancellationToken);

    internal static RunRecord ReadRun(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetString(4), r.GetString(5), r.GetNullableString(6),
        r.GetInt32(7), r.GetInt64(8), r.GetTimestamp(9), r.GetTimestamp(10), r.GetNullableString(11), r.GetNullableString(12), r.GetNullableString(13),
        r.GetBoolean(14), r.GetNullableString(15), r.GetNullableString(16));

    private static AttemptRecord ReadAttempt(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetNullableString(4), r.GetNullableString(5),
        r.IsDBNull(6) ? null : r.GetInt64(6), r.GetNullableString(7), r.IsDBNull(8) ? null : r.GetTimestamp(8), r.GetInt64(9),
        r.GetNullableString(10), r.GetTimestamp(11));
}
