using System.Data.Common;
using AgentService.Protocol.Ids;
using AgentService.Server.Json;
using AgentService.Server.Runs;

namespace AgentService.Server.Storage.Sql;

/// <summary>The run event model on SQLite: the tables the event log projects into (migration 7).</summary>
internal sealed class SqlRunModelStore(ISqlDatabase database, TimeProvider time) : IRunModelStore
{
    private const string ToolCallColumns = """
        tool_call_id, position, tool_name, status, executor, arguments, arguments_text, requires_approval, interaction_id, idempotency_key,
        provider_ref, step_id, execution_attempt, progress, result, is_error, error, failure_reason, duration_ms, requested_at, started_at, finished_at
        """;

    private const string InteractionColumns = """
        run_id, interaction_id, position, kind, blocking, request, status, outcome, response, reason, resolved_by, delivery_id, expires_at, on_expiry,
        requested_at, resolved_at
        """;

    public Task<IReadOnlyList<ToolCallRecord>> ListToolCallsAsync(string runId, long afterPosition, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ToolCallRecord>>(commands => ListToolCalls(commands, runId, afterPosition, limit), snapshot: false, cancellationToken);

    public Task<IReadOnlyList<InteractionRecord>> ListInteractionsAsync(string runId, long afterPosition, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<InteractionRecord>>(commands => ListInteractions(commands, runId, afterPosition, limit), snapshot: false, cancellationToken);

    public Task<InteractionRecord?> GetInteractionAsync(string runId, string interactionId, CancellationToken cancellationToken) =>
        database.ReadAsync(
            commands =>
            {
                using var reader = commands.Get($"SELECT {InteractionColumns} FROM interactions WHERE run_id = @run AND interaction_id = @id")
                    .With("@run", runId).With("@id", interactionId).ExecuteReader();
                return reader.Read() ? ReadInteraction(reader) : null;
            },
            snapshot: false,
            cancellationToken);

    public Task<IReadOnlyList<InteractionRecord>> ListExpiredInteractionsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<InteractionRecord>>(
            commands => commands.Get($"""
                SELECT {InteractionColumns} FROM interactions
                WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= @now ORDER BY expires_at LIMIT @limit
                """).With("@now", now.ToUnixMs()).With("@limit", limit).ReadAll(ReadInteraction),
            snapshot: false,
            cancellationToken);

    public Task<CheckpointRecord?> GetLatestCheckpointAsync(string runId, CancellationToken cancellationToken) =>
        database.ReadAsync(commands => LatestCheckpoint(commands, runId), snapshot: false, cancellationToken);

    public Task<InteractionResolveResult> ResolveInteractionAsync(InteractionResolution resolution, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands =>
        {
            InteractionRecord? interaction;
            using (var reader = commands.Get($"SELECT {InteractionColumns} FROM interactions WHERE run_id = @run AND interaction_id = @id")
                .With("@run", resolution.RunId).With("@id", resolution.InteractionId).ExecuteReader())
            {
                interaction = reader.Read() ? ReadInteraction(reader) : null;
            }

            if (interaction is null)
            {
                return new InteractionResolveResult(false, false, false, null, null);
            }

            if (interaction.Status != InteractionRecord.Pending)
            {
                return new InteractionResolveResult(true, true, false, interaction, null);
            }

            var status = (string)commands.Get("SELECT status FROM runs WHERE run_id = @id").With("@id", resolution.RunId).ExecuteScalar()!;
            if (RunStatus.IsTerminal(status))
            {
                return new InteractionResolveResult(true, false, true, interaction, null);
            }

            var timestamp = Runtime.RuntimeSession.Timestamp(now);
            var traceparent = resolution.Traceparent ?? Runtime.RuntimeSession.NewTraceparent();
            var deliveryId = TypeId.New("dlv");
            var payload = JsonText.Object(w =>
            {
                w.WriteString("interactionId", resolution.InteractionId);
                w.WriteString("outcome", resolution.DeliveryOutcome);
                if (resolution.Response is not null)
                {
                    w.WritePropertyName("response");
                    w.WriteRawValue(resolution.Response);
                }

                if (resolution.Reason is not null)
                {
                    w.WriteString("reason", resolution.Reason);
                }

                w.WritePropertyName("respondedBy");
                w.WriteRawValue(resolution.ResolvedBy);
                w.WriteString("respondedAt", timestamp);
            });
            var delivery = NextDelivery(commands, resolution.RunId, deliveryId, "interaction.response", payload, traceparent, now);
            if (resolution.CancelRun)
            {
                NextDelivery(commands, resolution.RunId, TypeId.New("dlv"), "cancel", JsonText.Object(w =>
                {
                    w.WriteString("mode", "graceful");
                    w.WriteString("reason", $"interaction {resolution.InteractionId} expired");
                    w.WriteBoolean("cascade", true);
                    w.WriteStartObject("requestedBy");
                    w.WriteString("type", "timeout");
                    w.WriteEndObject();
                }), traceparent, now);
            }

            var log = RunLogWriter.Open(commands, resolution.RunId, now)!;
            log.AppendServiceEvent("interaction.resolved", w =>
            {
                w.WriteString("interactionId", resolution.InteractionId);
                w.WriteString("outcome", resolution.Outcome);
                if (resolution.Response is not null)
                {
                    w.WritePropertyName("response");
                    w.WriteRawValue(resolution.Response);
                }

                if (resolution.Reason is not null)
                {
                    w.WriteString("reason", resolution.Reason);
                }

                w.WritePropertyName("resolvedBy");
                w.WriteRawValue(resolution.ResolvedBy);
                w.WriteString("inputDeliveryId", deliveryId);
            }, resolution.InteractionId, traceparent);
            commands.Get("""
                UPDATE interactions SET status = 'resolved', outcome = @outcome, response = @response, reason = @reason, resolved_by = @by,
                    delivery_id = @delivery, resolved_at = @at
                WHERE run_id = @run AND interaction_id = @id
                """)
                .With("@outcome", resolution.Outcome).With("@response", resolution.Response).With("@reason", resolution.Reason)
                .With("@by", resolution.ResolvedBy).With("@delivery", deliveryId).With("@at", timestamp)
                .With("@run", resolution.RunId).With("@id", resolution.InteractionId)
                .ExecuteNonQuery();
            SqlEventLog.RefreshInteractionWaiting(log);
            log.Commit();
            var resolved = interaction with
            {
                Status = InteractionRecord.Resolved,
                Outcome = resolution.Outcome,
                Response = resolution.Response,
                Reason = resolution.Reason,
                ResolvedBy = resolution.ResolvedBy,
                DeliveryId = deliveryId,
                ResolvedAt = timestamp,
            };
            return new InteractionResolveResult(true, false, false, resolved, delivery);
        }, cancellationToken);
    }

    // One read transaction: every read sees the same commit, so the projection is exactly the log up to the run's
    // event_count (the watermark) — a reader tails the stream after it with no gap and no duplicate.
    public Task<RunSnapshot?> GetSnapshotAsync(string runId, CancellationToken cancellationToken) =>
        database.ReadAsync(commands => ReadSnapshot(commands, database, runId), snapshot: true, cancellationToken);

    private static RunSnapshot? ReadSnapshot(SqlCommands commands, ISqlDatabase database, string runId)
    {
        RunRecord run;
        using (var reader = commands.Get($"SELECT {SqlRunStore.RunColumns} FROM runs WHERE run_id = @run").With("@run", runId).ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            run = SqlRunStore.ReadRun(reader);
        }

        var steps = new List<StepRecord>();
        using (var reader = commands.Get($"SELECT {Sqlite.SqliteStepStore.ReturningColumns} FROM steps WHERE task_id = @run ORDER BY seq").With("@run", runId).ExecuteReader())
        {
            while (reader.Read())
            {
                steps.Add(Sqlite.SqliteStepStore.Read(reader, 0));
            }
        }

        var messages = new List<(long, string)>();
        using (var reader = commands.Get($"SELECT position, body FROM {database.ThroughIndex("events", SqlEventLog.TypeIndex)} WHERE run_id = @run AND {SqlEventLog.IndexedByType} AND type = 'message.completed' ORDER BY position").With("@run", runId).ExecuteReader())
        {
            while (reader.Read())
            {
                using var document = System.Text.Json.JsonDocument.Parse(reader.GetString(1));
                messages.Add((reader.GetInt64(0), document.RootElement.GetProperty("data").GetRawText()));
            }
        }

        // A message still streaming: its deltas are in the log until its message.completed compacts them away, so
        // the text so far is theirs, joined in order (per content block).
        var streaming = new Dictionary<string, (SortedDictionary<long, System.Text.StringBuilder> Blocks, long Position)>(StringComparer.Ordinal);
        using (var reader = commands.Get($"SELECT position, body FROM {database.ThroughIndex("events", SqlEventLog.TypeIndex)} WHERE run_id = @run AND {SqlEventLog.IndexedByType} AND type = 'message.delta' ORDER BY position").With("@run", runId).ExecuteReader())
        {
            while (reader.Read())
            {
                using var document = System.Text.Json.JsonDocument.Parse(reader.GetString(1));
                var data = document.RootElement.GetProperty("data");
                if (!data.TryGetProperty("messageId", out var id) || id.GetString() is not { } messageId || !data.TryGetProperty("delta", out var delta))
                {
                    continue;
                }

                var block = data.TryGetProperty("contentIndex", out var index) && index.TryGetInt64(out var i) ? i : 0;
                var message = streaming.TryGetValue(messageId, out var known) ? known : (new SortedDictionary<long, System.Text.StringBuilder>(), 0);
                if (!message.Blocks.TryGetValue(block, out var text))
                {
                    message.Blocks[block] = text = new System.Text.StringBuilder();
                }

                text.Append(delta.GetString());
                streaming[messageId] = (message.Blocks, reader.GetInt64(0));
            }
        }

        var todo = new List<(long, string)>();
        using (var reader = commands.Get("SELECT position, body FROM todo_lists WHERE run_id = @run ORDER BY position").With("@run", runId).ExecuteReader())
        {
            while (reader.Read())
            {
                todo.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        var artifacts = new List<ArtifactRecord>();
        using (var reader = commands.Get($"SELECT {Sqlite.SqliteArtifactStore.Columns} FROM artifacts a WHERE a.task_id = @run ORDER BY a.seq").With("@run", runId).ExecuteReader())
        {
            while (reader.Read())
            {
                artifacts.Add(Sqlite.SqliteArtifactStore.Read(reader));
            }
        }

        var childDependencies = SqlRunStore.ReadChildDependencies(commands, runId);
        var children = commands.Get("SELECT run_id, status FROM runs WHERE parent_run_id = @run ORDER BY created_at, run_id").With("@run", runId)
            .ReadAll(r => new SnapshotChild(r.GetString(0), r.GetString(1), [.. childDependencies[r.GetString(0)]]));
        var dependencies = SqlRunStore.ReadDependencies(commands, runId);

        var snapshot = new RunSnapshot(
            run,
            run.EventCount,
            steps,
            messages,
            [.. streaming.Select(m => (m.Key, string.Concat(m.Value.Blocks.Values), m.Value.Position))],
            ListToolCalls(commands, runId, 0, int.MaxValue),
            ListInteractions(commands, runId, 0, int.MaxValue),
            todo,
            artifacts,
            children,
            LatestCheckpoint(commands, runId),
            dependencies);
        return snapshot;
    }

    private static DeliveryRecord NextDelivery(SqlCommands commands, string runId, string deliveryId, string kind, string payload, string traceparent, DateTimeOffset now) =>
        SqlDeliveryStore.Append(commands, runId, deliveryId, kind, payload, traceparent, now)
            ?? throw new InvalidOperationException($"Run {runId} does not exist.");

    private static List<ToolCallRecord> ListToolCalls(SqlCommands commands, string runId, long afterPosition, int limit)
    {
        using var r = commands.Get($"SELECT {ToolCallColumns} FROM tool_calls WHERE run_id = @run AND position > @after ORDER BY position LIMIT @limit").With("@run", runId).With("@after", afterPosition).With("@limit", limit).ExecuteReader();
        var items = new List<ToolCallRecord>();
        while (r.Read())
        {
            items.Add(new ToolCallRecord(
                r.GetString(0), r.GetInt64(1), r.GetNullableString(2), r.GetString(3), r.GetNullableString(4), r.GetNullableString(5), r.GetNullableString(6),
                r.GetBoolean(7), r.GetNullableString(8), r.GetNullableString(9), r.GetNullableString(10), r.GetNullableString(11), r.GetInt64(12),
                r.GetNullableString(13), r.GetNullableString(14), r.GetBoolean(15), r.GetNullableString(16), r.GetNullableString(17),
                r.IsDBNull(18) ? null : r.GetInt64(18), r.GetNullableString(19), r.GetNullableString(20), r.GetNullableString(21)));
        }

        return items;
    }

    private static List<InteractionRecord> ListInteractions(SqlCommands commands, string runId, long afterPosition, int limit) =>
        commands.Get($"SELECT {InteractionColumns} FROM interactions WHERE run_id = @run AND position > @after ORDER BY position LIMIT @limit")
            .With("@run", runId).With("@after", afterPosition).With("@limit", limit).ReadAll(ReadInteraction);

    private static CheckpointRecord? LatestCheckpoint(SqlCommands commands, string runId)
    {
        using var reader = commands.Get("SELECT checkpoint_id, position, input_cursor, body FROM checkpoints WHERE run_id = @run ORDER BY position DESC LIMIT 1").With("@run", runId).ExecuteReader();
        return reader.Read() ? new CheckpointRecord(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)) : null;
    }

    private static InteractionRecord ReadInteraction(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetBoolean(4), r.GetString(5), r.GetString(6), r.GetNullableString(7),
        r.GetNullableString(8), r.GetNullableString(9), r.GetNullableString(10), r.GetNullableString(11), r.IsDBNull(12) ? null : r.GetTimestamp(12),
        r.GetString(13), r.GetString(14), r.GetNullableString(15));
}
