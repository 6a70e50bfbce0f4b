using System.Text.Json;
using AgentService.Protocol.AgentProtocol;
using AgentService.Server.Runs;

namespace AgentService.Server.Storage.Sql;

/// <summary>
/// Stores runtime event batches and, in the same transaction, keeps the projections current: Agent Protocol steps
/// (<c>step.started</c>/<c>step.finished</c>), artifacts linked to steps (<c>artifact.created</c>), and run status
/// (<c>run.*</c>), and the run event model: tool calls, interactions, checkpoints and todo lists (see
/// <c>SqlEventLog.RunModel.cs</c>).
/// </summary>
internal sealed partial class SqlEventLog(ISqlDatabase database, TimeProvider time) : IEventLog
{
    public Task<AppendResult> AppendAsync(string runId, string attemptId, IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands =>
        {
            long outputSeq;
            string? attemptOver;
            using (var attempt = commands.Get("SELECT output_seq, status, exit_reason FROM attempts WHERE attempt_id = @id").With("@id", attemptId).ExecuteReader())
            {
                attempt.Read();
                outputSeq = attempt.GetInt64(0);
                attemptOver = attempt.GetString(1) is AttemptStatus.Lost or AttemptStatus.Ended ? attempt.GetNullableString(2) ?? attempt.GetString(1) : null;
            }

            long position;
            string runStatus;
            using (var run = commands.Get("SELECT event_count, status FROM runs WHERE run_id = @id").With("@id", runId).ExecuteReader())
            {
                run.Read();
                (position, runStatus) = (run.GetInt64(0), run.GetString(1));
            }

            var fresh = new List<IncomingEvent>(events.Count);
            foreach (var e in events)
            {
                // Only an event at or below the stored seq can be a retransmission (same id: accepted and ignored)
                // or a new event reusing a seq (refused); anything above is new, so the common case costs no lookup.
                if (e.Seq <= outputSeq)
                {
                    if (commands.Get("SELECT 1 FROM events WHERE run_id = @run AND event_id = @id").With("@run", runId).With("@id", e.EventId).ExecuteScalar() is not null
                        || IsCompactable(e.Type))
                    {
                        // A resent delta may have been compacted away since: accepted and ignored like any duplicate.
                        continue;
                    }

                    return new AppendResult(null, e.EventId, [], null);
                }

                if (e.Seq != outputSeq + fresh.Count + 1)
                {
                    // The batch's first new event must continue the stored seq (1020, retryable: the runtime resends
                    // from expectedSeq); a gap after it is a batch no resend fixes (-32602, PROTOCOL.md §7).
                    return fresh.Count == 0
                        ? new AppendResult(outputSeq + 1, null, [], null)
                        : new AppendResult(null, null, [], null, $"event {e.EventId} has seq {e.Seq} where {outputSeq + fresh.Count + 1} must follow: a batch's seq goes on without a gap");
                }

                fresh.Add(e);
            }

            // run.finished is the run's last event (PROTOCOL.md §10, "once"): a finished run takes no new events (1022),
            // and nothing may follow run.finished in its batch. Resent events (skipped above) are still accepted.
            if (fresh.Count > 0 && RunStatus.IsTerminal(runStatus))
            {
                return new AppendResult(null, null, [], null, FinishedRunStatus: runStatus);
            }

            // An attempt that is over (its lease lapsed and a claim took the run, or its sub-run was handed to the next
            // attempt) writes nothing more, even from a socket that is still open (PROTOCOL.md §5: fatal for it).
            if (fresh.Count > 0 && attemptOver is not null)
            {
                return new AppendResult(null, null, [], null) { AttemptOver = attemptOver };
            }

            if (fresh.FindIndex(e => e.Type == "run.finished") is var finishedAt and >= 0 && finishedAt < fresh.Count - 1)
            {
                return new AppendResult(null, null, [], null, $"event {fresh[finishedAt + 1].EventId} follows run.finished, which must be the run's last event");
            }

            if (fresh.Count > 0 && runStatus == RunStatus.Waiting && SqlRunStore.IsHeld(commands, runId))
            {
                return new AppendResult(null, null, [], null, $"run {runId} has not started: it waits for its dependencies, and takes events once its task.start is delivered");
            }

            if (RefuseByRunState(commands, runId, fresh) is { } refusal)
            {
                return new AppendResult(null, null, [], null, refusal);
            }

            var completed = new List<CompletedStep>();
            var log = new RunLogWriter(commands, runId, position, now);
            foreach (var e in fresh)
            {
                if (e.Type == "run.finished")
                {
                    // A finished run answers no more questions and runs no more tools: what is open closes as
                    // cancelled, each with its event in the log before the run's last one.
                    CloseOpenToolCalls(log, TraceparentOf(e));
                    CloseOpenInteractions(log, TraceparentOf(e));
                }

                log.Position++;
                commands.Get("INSERT INTO events (run_id, position, event_id, attempt_id, seq, type, time, body) VALUES (@run, @pos, @id, @attempt, @seq, @type, @time, @body)")
                    .With("@run", runId).With("@pos", log.Position).With("@id", e.EventId).With("@attempt", attemptId).With("@seq", e.Seq)
                    .With("@type", e.Type).With("@time", e.Time).With("@body", e.Body)
                    .ExecuteNonQuery();
                var interactionSince = e.Type == "run.status.changed" ? InteractionWaitSince(commands, runId) : null;
                var status = Project(commands, runId, e, now, completed) ?? ProjectRunModel(log, e);
                if (e.Type == "run.status.changed")
                {
                    // The runtime's status replaces its own waiting reasons; the service's stay: its awaited sub-runs
                    // and pending blocking interactions keep the run waiting, with the time their wait began.
                    SqlRunStore.RefreshSubrunWait(commands, runId, now);
                    RefreshInteractionWaiting(log, interactionSince);
                    status = commands.Get("SELECT status FROM runs WHERE run_id = @id").With("@id", runId).ExecuteScalar() as string ?? status;
                }

                log.RunStatus = status ?? log.RunStatus;
                if (e.Type == "subrun.spawned")
                {
                    SqlRunStore.Spawn(commands, runId, attemptId, TraceparentOf(e), e.Data, now);
                }
            }

            Compact(commands, database, runId, fresh);
            if (fresh.Count > 0)
            {
                commands.Get("UPDATE attempts SET output_seq = @seq, updated_at = @at WHERE attempt_id = @id")
                    .With("@seq", fresh[^1].Seq).With("@at", now.ToUnixMs()).With("@id", attemptId).ExecuteNonQuery();
                log.Commit();
            }

            return new AppendResult(null, null, completed, log.RunStatus);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StoredEvent>> ListAsync(string runId, long afterPosition, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<StoredEvent>>(
            commands =>
            {
                using var reader = commands.Get("SELECT position, event_id, type, body FROM events WHERE run_id = @run AND position > @after ORDER BY position LIMIT @limit")
                    .With("@run", runId).With("@after", afterPosition).With("@limit", limit)
                    .ExecuteReader();
                var items = new List<StoredEvent>();
                while (reader.Read())
                {
                    items.Add(new StoredEvent(runId, reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
                }

                return items;
            },
            snapshot: false,
            cancellationToken);

    /// <summary>Applies one event to the projections; returns the run status it set, if any.</summary>
    private static string? Project(SqlCommands commands, string runId, IncomingEvent e, DateTimeOffset now, List<CompletedStep> completed)
    {
        var data = e.Data;
        switch (e.Type)
        {
            case "run.started":
                SqlRunStore.SetStatus(commands, runId, RunStatus.Running, null, now);
                return RunStatus.Running;
            case "run.status.changed":
                var status = data.GetProperty("status").GetString()!;
                var waiting = data.TryGetProperty("waitingFor", out var w) ? w.GetRawText() : null;
                SqlRunStore.SetStatus(commands, runId, status, waiting, now);
                return status;
            case "run.finished":
                var final = data.GetProperty("status").GetString()!;
                SqlRunStore.SetStatus(commands, runId, final, null, now, data);

                // A step the runtime left unfinished (one posted while a graceful cancel was on its way, one it never
                // got to) would otherwise stay created or running for good, and its POST wait for nothing.
                completed.AddRange(SqlRunStore.FinishOpenSteps(commands, runId, final, "run_finished", $"The run ended ({final}) before this step finished.", now));
                return final;
            case "step.started":
                StartStep(commands, runId, data, now);
                return null;
            case "step.finished":
                if (FinishStep(commands, runId, data, now) is { } done)
                {
                    completed.Add(done);
                }

                return null;
            case "artifact.created":
                var artifactId = data.GetProperty("artifact").GetProperty("artifactId").GetString();
                var stepId = data.TryGetProperty("producer", out var producer) && producer.TryGetProperty("stepId", out var s) ? s.GetString() : e.StepId;
                commands.Get("UPDATE artifacts SET step_id = COALESCE(@step, step_id), agent_created = TRUE WHERE artifact_id = @id AND task_id = @task")
                    .With("@step", stepId).With("@id", artifactId).With("@task", runId).ExecuteNonQuery();
                return null;
            default:
                return null;
        }
    }

    private static string TraceparentOf(IncomingEvent e)
    {
        using var body = JsonDocument.Parse(e.Body);
        return body.RootElement.GetProperty("traceparent").GetString()!;
    }

    private static void StartStep(SqlCommands commands, string runId, JsonElement data, DateTimeOffset now)
    {
        var stepId = data.GetProperty("stepId").GetString()!;
        var name = data.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var updated = commands.Get("UPDATE steps SET status = @running, name = COALESCE(@name, name), updated_at = @at WHERE step_id = @id AND status = @created")
            .With("@running", StepStatus.Running).With("@name", name).With("@at", now.ToUnixMs()).With("@id", stepId).With("@created", StepStatus.Created)
            .ExecuteNonQuery();
        if (updated == 0 && commands.Get("SELECT 1 FROM steps WHERE step_id = @id").With("@id", stepId).ExecuteScalar() is null
            && commands.Get("SELECT 1 FROM tasks WHERE task_id = @id").With("@id", runId).ExecuteScalar() is not null)
        {
            // A step the runtime started on its own is an Agent Protocol step of the task too (PROTOCOL.md §13).
            SqlSteps.Insert(commands, stepId, runId, null, null, name, StepStatus.Running, now);
        }
    }

    private static CompletedStep? FinishStep(SqlCommands commands, string runId, JsonElement data, DateTimeOffset now)
    {
        var stepId = data.GetProperty("stepId").GetString()!;
        if (commands.Get("SELECT 1 FROM steps WHERE step_id = @id AND task_id = @task").With("@id", stepId).With("@task", runId).ExecuteScalar() is null)
        {
            StartStep(commands, runId, data, now);
        }

        var output = data.TryGetProperty("output", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
        var name = data.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var isLast = data.TryGetProperty("isLast", out var l) && l.ValueKind == JsonValueKind.True;
        string? additional = data.TryGetProperty("additionalOutput", out var a) && a.ValueKind == JsonValueKind.Object ? a.GetRawText() : null;
        if (data.GetProperty("status").GetString() != "completed")
        {
            // A failed or cancelled step shows as completed; the failure is in additional_output.error (PROTOCOL.md §13).
            var kept = additional is null ? [] : a.EnumerateObject().Where(p => p.Name != "error").ToList();
            additional = Json.JsonText.Object(writer =>
            {
                kept.ForEach(property => property.WriteTo(writer));
                writer.WritePropertyName("error");
                if (data.TryGetProperty("error", out var error))
                {
                    error.WriteTo(writer);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", data.GetProperty("status").GetString());
                    writer.WriteEndObject();
                }
            });
        }

        using var reader = commands.Get($"""
            UPDATE steps SET status = @completed, output = @output, additional_output = @extra, is_last = @last,
                name = COALESCE(@name, name), updated_at = @at
            WHERE step_id = @id AND status <> @completed
            RETURNING {Sqlite.SqliteStepStore.ReturningColumns}
            """)
            .With("@completed", StepStatus.Completed).With("@output", output).With("@extra", additional).With("@last", isLast)
            .With("@name", name).With("@at", now.ToUnixMs()).With("@id", stepId)
            .ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var step = Sqlite.SqliteStepStore.Read(reader, 0);
        return new CompletedStep(step, []);
    }
}
