using System.Globalization;
using System.Text.Json;
using AgentService.Server.Json;
using AgentService.Server.Runs;

namespace AgentService.Server.Storage.Sql;

internal sealed partial class SqlEventLog
{
    /// <summary>
    /// Applies one event to the run event model: a tool-call record per <c>toolCallId</c>
    /// (streaming → requested → started → completed | failed), an interaction record per <c>interactionId</c> (a
    /// blocking one puts the run in <c>waiting(interaction)</c>), the checkpoints, and the latest revision of each todo
    /// list. Returns the run status it set, if any.
    /// </summary>
    private static string? ProjectRunModel(RunLogWriter log, IncomingEvent e)
    {
        var commands = log.Commands;
        var runId = log.RunId;
        var data = e.Data;
        switch (e.Type)
        {
            case "tool.call.arguments.delta":
                commands.Get("""
                    INSERT INTO tool_calls (run_id, tool_call_id, position, tool_name, status, arguments_text, step_id)
                    VALUES (@run, @id, @pos, @name, 'streaming', @delta, @step)
                    ON CONFLICT (run_id, tool_call_id) DO UPDATE SET arguments_text = COALESCE(tool_calls.arguments_text, '') || excluded.arguments_text,
                        tool_name = COALESCE(tool_calls.tool_name, excluded.tool_name)
                    WHERE tool_calls.status = 'streaming'
                    """)
                    .With("@run", runId).With("@id", ToolCallId(data)).With("@pos", log.Position).With("@name", OptionalString(data, "toolName"))
                    .With("@delta", OptionalString(data, "delta") ?? string.Empty).With("@step", e.StepId)
                    .ExecuteNonQuery();
                return null;
            case "tool.call.requested":
                commands.Get("""
                    INSERT INTO tool_calls (run_id, tool_call_id, position, tool_name, status, executor, arguments, arguments_text, requires_approval,
                        interaction_id, idempotency_key, provider_ref, step_id, requested_at)
                    VALUES (@run, @id, @pos, @name, 'requested', @executor, @args, @text, @approval, @ixn, @key, @provider, @step, @time)
                    ON CONFLICT (run_id, tool_call_id) DO UPDATE SET tool_name = excluded.tool_name,
                        status = CASE WHEN tool_calls.status = 'streaming' THEN 'requested' ELSE tool_calls.status END,
                        executor = excluded.executor, arguments = excluded.arguments, arguments_text = excluded.arguments_text,
                        requires_approval = excluded.requires_approval, interaction_id = excluded.interaction_id,
                        idempotency_key = excluded.idempotency_key, provider_ref = excluded.provider_ref,
                        step_id = COALESCE(excluded.step_id, tool_calls.step_id), requested_at = excluded.requested_at
                    """)
                    .With("@run", runId).With("@id", ToolCallId(data)).With("@pos", log.Position).With("@name", OptionalString(data, "toolName"))
                    .With("@executor", OptionalString(data, "executor")).With("@args", OptionalRaw(data, "arguments"))
                    .With("@text", OptionalString(data, "argumentsText"))
                    .With("@approval", data.TryGetProperty("requiresApproval", out var approval) && approval.ValueKind == JsonValueKind.True)
                    .With("@ixn", OptionalString(data, "interactionId")).With("@key", OptionalString(data, "idempotencyKey"))
                    .With("@provider", OptionalRaw(data, "providerRef")).With("@step", e.StepId).With("@time", e.Time)
                    .ExecuteNonQuery();
                return null;
            case "tool.call.started":
                commands.Get("""
                    INSERT INTO tool_calls (run_id, tool_call_id, position, status, execution_attempt, started_at, step_id)
                    VALUES (@run, @id, @pos, 'started', @attempt, @time, @step)
                    ON CONFLICT (run_id, tool_call_id) DO UPDATE SET status = 'started', execution_attempt = excluded.execution_attempt,
                        started_at = excluded.started_at
                    WHERE tool_calls.status NOT IN ('completed', 'failed')
                    """)
                    .With("@run", runId).With("@id", ToolCallId(data)).With("@pos", log.Position)
                    .With("@attempt", data.TryGetProperty("executionAttempt", out var a) && a.TryGetInt64(out var attempt) ? attempt : 1)
                    .With("@time", e.Time).With("@step", e.StepId)
                    .ExecuteNonQuery();
                return null;
            case "tool.call.progress":
                var progress = JsonText.Object(w =>
                {
                    foreach (var name in (string[])["progress", "total", "message"])
                    {
                        if (data.TryGetProperty(name, out var value))
                        {
                            w.WritePropertyName(name);
                            value.WriteTo(w);
                        }
                    }
                });
                commands.Get("UPDATE tool_calls SET progress = @progress WHERE run_id = @run AND tool_call_id = @id AND status NOT IN ('completed', 'failed')")
                    .With("@progress", progress).With("@run", runId).With("@id", ToolCallId(data)).ExecuteNonQuery();
                return null;
            case "tool.call.completed":
                FinishToolCall(log, e, "completed", OptionalRaw(data, "output") ?? "null",
                    data.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True, null, null);
                return null;
            case "tool.call.failed":
                var error = OptionalRaw(data, "error");
                var reason = OptionalString(data, "reason");
                if (data.TryGetProperty("willRetry", out var retry) && retry.ValueKind == JsonValueKind.True)
                {
                    // Another execution attempt follows: the record stays open and keeps the error of this one.
                    commands.Get("UPDATE tool_calls SET error = @error, failure_reason = @reason WHERE run_id = @run AND tool_call_id = @id AND status NOT IN ('completed', 'failed')")
                        .With("@error", error).With("@reason", reason).With("@run", runId).With("@id", ToolCallId(data)).ExecuteNonQuery();
                    return null;
                }

                FinishToolCall(log, e, "failed", null, false, error, reason);
                return null;
            case "interaction.requested":
                RequestInteraction(log, e);
                return RefreshInteractionWaiting(log);
            case "interaction.resolved":
                // A decision the runtime made itself: no response delivery goes back to it.
                commands.Get("""
                    UPDATE interactions SET status = 'resolved', outcome = @outcome, response = @response, reason = @reason, resolved_by = @by, resolved_at = @time
                    WHERE run_id = @run AND interaction_id = @id AND status = 'pending'
                    """)
                    .With("@outcome", OptionalString(data, "outcome")).With("@response", OptionalRaw(data, "response")).With("@reason", OptionalString(data, "reason"))
                    .With("@by", OptionalRaw(data, "resolvedBy")).With("@time", e.Time).With("@run", runId).With("@id", OptionalString(data, "interactionId"))
                    .ExecuteNonQuery();
                return RefreshInteractionWaiting(log);
            case "checkpoint.saved":
                commands.Get("INSERT INTO checkpoints (run_id, position, checkpoint_id, input_cursor, body) VALUES (@run, @pos, @id, @cursor, @body)")
                    .With("@run", runId).With("@pos", log.Position).With("@id", OptionalString(data, "checkpointId"))
                    .With("@cursor", data.GetProperty("inputCursor").GetInt64()).With("@body", data.GetRawText())
                    .ExecuteNonQuery();

                // The state reflects every input up to the cursor (PROTOCOL.md §7: held in state a checkpoint includes
                // counts as applied), and a resume replays only the later ones: those still pending are acknowledged here,
                // else a runtime that died before acknowledging them would leave "work" no execution is ever sent again.
                commands.Get("UPDATE deliveries SET status = 'acked', acked_at = @at WHERE run_id = @run AND sequence <= @cursor AND status = 'pending'")
                    .With("@at", log.Now.ToUnixMs()).With("@run", runId).With("@cursor", data.GetProperty("inputCursor").GetInt64())
                    .ExecuteNonQuery();
                return null;
            case "todo.updated":
                commands.Get("""
                    INSERT INTO todo_lists (run_id, list_id, revision, position, body) VALUES (@run, @id, @revision, @pos, @body)
                    ON CONFLICT (run_id, list_id) DO UPDATE SET revision = excluded.revision, position = excluded.position, body = excluded.body
                    WHERE excluded.revision > todo_lists.revision
                    """)
                    .With("@run", runId).With("@id", OptionalString(data, "listId")).With("@revision", data.GetProperty("revision").GetInt64())
                    .With("@pos", log.Position).With("@body", data.GetRawText())
                    .ExecuteNonQuery();
                return null;
            default:
                return null;
        }
    }

    /// <summary>Why the run's state refuses a batch of new events, if it does: a checkpoint past the last input (its
    /// inputCursor is at most the last delivery's sequence, else a resume would skip inputs that arrive later), or an
    /// interaction request reusing an interaction id (the log would hold two requests that disagree).</summary>
    private static string? RefuseByRunState(SqlCommands commands, string runId, List<IncomingEvent> events)
    {
        long? last = null;
        var interactions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Type == "interaction.requested" && OptionalString(e.Data, "interactionId") is { } interactionId)
            {
                if (!interactions.Add(interactionId) || InteractionExists(commands, runId, interactionId))
                {
                    return $"event {e.EventId}: interaction {interactionId} was already requested; mint a new id for each interaction";
                }

                continue;
            }

            if (e.Type == "interaction.resolved" && OptionalString(e.Data, "interactionId") is { } resolvedId && !interactions.Contains(resolvedId)
                && !InteractionExists(commands, runId, resolvedId))
            {
                return $"event {e.EventId}: interaction {resolvedId} was never requested in this run";
            }

            if (e.Type != "checkpoint.saved")
            {
                continue;
            }

            last ??= (long)commands.Get("SELECT next_sequence FROM runs WHERE run_id = @id").With("@id", runId).ExecuteScalar()!;
            var cursor = e.Data.GetProperty("inputCursor").GetInt64();
            if (cursor > last)
            {
                return $"event {e.EventId}: inputCursor {cursor} is beyond the run's last input (sequence {last})";
            }
        }

        return null;
    }

    /// <summary>A finished run answers no more questions: its pending interactions end as cancelled, each recorded as a
    /// service <c>interaction.resolved</c>, so a reader of the log or the stream closes them too.</summary>
    private static bool InteractionExists(SqlCommands commands, string runId, string interactionId) =>
        commands.Get("SELECT 1 FROM interactions WHERE run_id = @run AND interaction_id = @id").With("@run", runId).With("@id", interactionId).ExecuteScalar() is not null;

    /// <summary>A finished run runs no more tools: its open tool calls fail as <c>cancelled</c>, each recorded as a service
    /// <c>tool.call.failed</c>, so a reader of the log or the stream stops waiting on them too.</summary>
    private static void CloseOpenToolCalls(RunLogWriter log, string traceparent)
    {
        var open = log.Commands.Get("SELECT tool_call_id FROM tool_calls WHERE run_id = @run AND status NOT IN ('completed', 'failed') ORDER BY position")
            .With("@run", log.RunId).ReadAll(r => r.GetString(0));
        if (open.Count == 0)
        {
            return;
        }

        const string Error = """{"code":"run_finished","message":"The run ended before the tool call finished."}""";
        foreach (var toolCallId in open)
        {
            log.AppendServiceEvent("tool.call.failed", w =>
            {
                w.WriteString("toolCallId", toolCallId);
                w.WriteString("reason", "cancelled");
                w.WritePropertyName("error");
                w.WriteRawValue(Error);
            }, traceparent: traceparent);
        }

        log.Commands.Get("UPDATE tool_calls SET status = 'failed', failure_reason = 'cancelled', error = @error, finished_at = @time WHERE run_id = @run AND status NOT IN ('completed', 'failed')")
            .With("@error", Error).With("@time", RuntimeTimestamp(log.Now)).With("@run", log.RunId).ExecuteNonQuery();
    }

    private static void CloseOpenInteractions(RunLogWriter log, string traceparent)
    {
        var pending = log.Commands.Get("SELECT interaction_id FROM interactions WHERE run_id = @run AND status = 'pending' ORDER BY position")
            .With("@run", log.RunId).ReadAll(r => r.GetString(0));
        if (pending.Count == 0)
        {
            return;
        }

        var time = RuntimeTimestamp(log.Now);
        foreach (var interactionId in pending)
        {
            log.AppendServiceEvent("interaction.resolved", w =>
            {
                w.WriteString("interactionId", interactionId);
                w.WriteString("outcome", "cancelled");
                w.WriteString("reason", "run finished");
                w.WriteStartObject("resolvedBy");
                w.WriteString("type", "system");
                w.WriteEndObject();
            }, traceparent: traceparent);
        }

        log.Commands.Get("""
            UPDATE interactions SET status = 'resolved', outcome = 'cancelled', reason = 'run finished', resolved_by = '{"type":"system"}', resolved_at = @time
            WHERE run_id = @run AND status = 'pending'
            """)
            .With("@time", time).With("@run", log.RunId).ExecuteNonQuery();
    }

    private static void FinishToolCall(RunLogWriter log, IncomingEvent e, string status, string? result, bool isError, string? error, string? reason)
    {
        var data = e.Data;
        var id = ToolCallId(data);
        var startedAt = log.Commands.Get("SELECT COALESCE(started_at, requested_at) FROM tool_calls WHERE run_id = @run AND tool_call_id = @id")
            .With("@run", log.RunId).With("@id", id).ExecuteScalar() as string;
        long? duration = data.TryGetProperty("durationMs", out var d) && d.TryGetInt64(out var ms) ? ms : null;
        if (duration is null && startedAt is not null && TryParseTime(startedAt, out var start) && TryParseTime(e.Time, out var end) && end >= start)
        {
            duration = (long)(end - start).TotalMilliseconds;
        }

        log.Commands.Get("""
            INSERT INTO tool_calls (run_id, tool_call_id, position, status, result, is_error, error, failure_reason, duration_ms, finished_at, step_id)
            VALUES (@run, @id, @pos, @status, @result, @isError, @error, @reason, @duration, @time, @step)
            ON CONFLICT (run_id, tool_call_id) DO UPDATE SET status = excluded.status, result = excluded.result, is_error = excluded.is_error,
                error = excluded.error, failure_reason = excluded.failure_reason, duration_ms = excluded.duration_ms, finished_at = excluded.finished_at,
                progress = NULL
            WHERE tool_calls.status NOT IN ('completed', 'failed')
            """)
            .With("@run", log.RunId).With("@id", id).With("@pos", log.Position).With("@status", status).With("@result", result).With("@isError", isError)
            .With("@error", error).With("@reason", reason).With("@duration", duration).With("@time", e.Time).With("@step", e.StepId)
            .ExecuteNonQuery();
    }

    private static void RequestInteraction(RunLogWriter log, IncomingEvent e)
    {
        var data = e.Data;
        long? expiresAt = OptionalString(data, "expiresAt") is { } text && TryParseTime(text, out var expires) ? expires.ToUnixTimeMilliseconds() : null;
        log.Commands.Get("""
            INSERT INTO interactions (run_id, interaction_id, position, kind, blocking, request, status, expires_at, on_expiry, requested_at)
            VALUES (@run, @id, @pos, @kind, @blocking, @request, 'pending', @expires, @onExpiry, @time)
            ON CONFLICT (run_id, interaction_id) DO NOTHING
            """)
            .With("@run", log.RunId).With("@id", OptionalString(data, "interactionId")).With("@pos", log.Position).With("@kind", OptionalString(data, "kind"))
            .With("@blocking", !(data.TryGetProperty("blocking", out var b) && b.ValueKind == JsonValueKind.False))
            .With("@request", data.GetRawText()).With("@expires", expiresAt).With("@onExpiry", OptionalString(data, "onExpiry") ?? "deny")
            .With("@time", e.Time)
            .ExecuteNonQuery();
    }

    /// <summary>
    /// Keeps the run's status in line with its pending blocking interactions: waiting for them (other waiting reasons
    /// kept) while any is pending, back to running when none is. A change of status is recorded as a service
    /// <c>run.status.changed</c>. Returns the status it set, if any.
    /// </summary>
    internal static string? RefreshInteractionWaiting(RunLogWriter log, string? interactionSince = null)
    {
        var commands = log.Commands;
        var pending = new List<string>();
        using (var reader = commands.Get("SELECT interaction_id FROM interactions WHERE run_id = @run AND status = 'pending' AND blocking = TRUE ORDER BY position")
            .With("@run", log.RunId).ExecuteReader())
        {
            while (reader.Read())
            {
                pending.Add(reader.GetString(0));
            }
        }

        string status;
        string? waitingFor;
        using (var reader = commands.Get("SELECT status, waiting_for FROM runs WHERE run_id = @run").With("@run", log.RunId).ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            status = reader.GetString(0);
            waitingFor = reader.GetNullableString(1);
        }

        if (RunStatus.IsTerminal(status))
        {
            return null;
        }

        var others = new List<JsonElement>();
        var hadInteraction = false;
        string? waitingSince = null;
        if (status == RunStatus.Waiting && waitingFor is not null)
        {
            using var document = JsonDocument.Parse(waitingFor);
            foreach (var reason in document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray() : default)
            {
                if (reason.TryGetProperty("kind", out var kind) && kind.GetString() == "interaction")
                {
                    hadInteraction = true;
                    waitingSince = reason.TryGetProperty("since", out var previous) && previous.ValueKind == JsonValueKind.String ? previous.GetString() : null;
                }
                else
                {
                    others.Add(reason.Clone());
                }
            }
        }

        if (pending.Count == 0 && !hadInteraction)
        {
            return null;
        }

        // Still waiting on interactions (some answered, some new): the wait began when the first of them did.
        var since = interactionSince ?? waitingSince ?? RuntimeTimestamp(log.Now);
        var newStatus = pending.Count > 0 || others.Count > 0 ? RunStatus.Waiting : RunStatus.Running;
        string? newWaiting = newStatus == RunStatus.Running ? null : JsonText.Bytes(w =>
        {
            w.WriteStartArray();
            others.ForEach(o => o.WriteTo(w));
            if (pending.Count > 0)
            {
                w.WriteStartObject();
                w.WriteString("kind", "interaction");
                w.WriteStartArray("refs");
                foreach (var id in pending)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "interaction");
                    w.WriteString("id", id);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteString("since", since);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

        SqlRunStore.SetStatus(commands, log.RunId, newStatus, newWaiting, log.Now);
        if (newStatus != status)
        {
            log.AppendServiceEvent("run.status.changed", w =>
            {
                w.WriteString("status", newStatus);
                w.WriteString("previousStatus", status);
                if (newWaiting is not null)
                {
                    w.WritePropertyName("waitingFor");
                    w.WriteRawValue(newWaiting);
                }

                w.WriteString("reason", pending.Count > 0 ? "interaction requested" : "interactions resolved");
            });
        }

        return newStatus;
    }

    /// <summary>When the run's wait on interactions began (the <c>since</c> of its stored interaction reason), if it waits on any.</summary>
    private static string? InteractionWaitSince(SqlCommands commands, string runId)
    {
        if (commands.Get("SELECT waiting_for FROM runs WHERE run_id = @id AND status = @waiting").With("@id", runId).With("@waiting", RunStatus.Waiting).ExecuteScalar() is not string waitingFor)
        {
            return null;
        }

        using var document = JsonDocument.Parse(waitingFor);
        return document.RootElement.ValueKind != JsonValueKind.Array ? null : document.RootElement.EnumerateArray()
            .Where(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("kind", out var kind) && kind.ValueEquals("interaction")
                && r.TryGetProperty("since", out var since) && since.ValueKind == JsonValueKind.String)
            .Select(r => r.GetProperty("since").GetString())
            .FirstOrDefault();
    }

    private static string RuntimeTimestamp(DateTimeOffset time) => Runtime.RuntimeSession.Timestamp(time);

    private static string ToolCallId(JsonElement data) => data.GetProperty("toolCallId").GetString()!;

    private static string? OptionalString(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? OptionalRaw(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) ? value.GetRawText() : null;

    internal static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
