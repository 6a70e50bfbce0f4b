namespace AgentService.Server.Storage.Sql;

internal sealed class SqlDeliveryStore(ISqlDatabase database, TimeProvider time) : IDeliveryStore
{
    private const string Columns = "delivery_id, run_id, sequence, kind, payload, status, delivery_count, traceparent, created_at";

    public Task<DeliveryRecord?> EnqueueAsync(string runId, string deliveryId, string kind, string payload, string traceparent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands => Append(commands, runId, deliveryId, kind, payload, traceparent, now), cancellationToken);
    }

    public Task<StepRecord?> EnqueueStepAsync(
        string runId, string stepId, string? input, string? additionalInput, string deliveryId, string payload, string traceparent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands =>
        {
            // A task's run has the task's id.
            if (SqlSteps.Insert(commands, stepId, runId, input, additionalInput, null, AgentService.Protocol.AgentProtocol.StepStatus.Created, now) is not { } step)
            {
                return null;
            }

            // Throwing undoes the step too: a step is never stored without the delivery that runs it, nor in a run that
            // has ended (cancelled, failed, ...), where nothing would ever run it. The status is checked by the same
            // update that takes the next sequence, so a cancel committed meanwhile is seen (PostgreSQL re-checks the
            // condition on the row it waited for).
            if (commands.Get($"UPDATE runs SET next_sequence = next_sequence + 1 WHERE run_id = @run AND status NOT IN {SqlRunStore.Terminal} RETURNING next_sequence")
                    .With("@run", runId).ExecuteScalar() is not long sequence)
            {
                throw commands.Get("SELECT status FROM runs WHERE run_id = @run").With("@run", runId).ExecuteScalar() is string status
                    ? new RunEndedException(runId, status)
                    : new InvalidOperationException($"Run {runId} does not exist.");
            }

            Insert(commands, deliveryId, runId, sequence, "step.input", payload, traceparent, now);
            return step;
        }, cancellationToken);
    }

    /// <summary>Stores a delivery as the run's next sequence inside a write operation; <c>null</c> when the run does not exist.</summary>
    internal static DeliveryRecord? Append(SqlCommands commands, string runId, string deliveryId, string kind, string payload, string traceparent, DateTimeOffset now) =>
        commands.Get("UPDATE runs SET next_sequence = next_sequence + 1 WHERE run_id = @run RETURNING next_sequence").With("@run", runId).ExecuteScalar() is long sequence
            ? Insert(commands, deliveryId, runId, sequence, kind, payload, traceparent, now)
            : null;

    /// <summary>The run's latest pending delivery of <paramref name="kind"/>, if any.</summary>
    internal static DeliveryRecord? LastPending(SqlCommands commands, string runId, string kind)
    {
        using var reader = commands.Get($"SELECT {Columns} FROM deliveries WHERE run_id = @run AND kind = @kind AND status = 'pending' ORDER BY sequence DESC LIMIT 1")
            .With("@run", runId).With("@kind", kind).ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static DeliveryRecord Read(System.Data.Common.DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
            reader.GetString(5), reader.GetInt32(6), reader.GetString(7), reader.GetTimestamp(8));

    /// <summary>Stores a delivery, <c>pending</c>, or <c>held</c> (not to be sent until made pending: a sub-run's
    /// <c>task.start</c> while it waits for its dependencies).</summary>
    internal static DeliveryRecord Insert(SqlCommands commands, string deliveryId, string runId, long sequence, string kind, string payload, string traceparent, DateTimeOffset now, bool held = false)
    {
        var status = held ? "held" : "pending";
        commands.Get("""
            INSERT INTO deliveries (delivery_id, run_id, sequence, kind, payload, status, traceparent, created_at)
            VALUES (@id, @run, @seq, @kind, @payload, @status, @trace, @at)
            """)
            .With("@id", deliveryId).With("@run", runId).With("@seq", sequence).With("@kind", kind).With("@payload", payload)
            .With("@status", status).With("@trace", traceparent).With("@at", now.ToUnixMs())
            .ExecuteNonQuery();
        return new DeliveryRecord(deliveryId, runId, sequence, kind, payload, status, 0, traceparent, now);
    }

    public Task<bool> HasPendingWorkAsync(string runId, CancellationToken cancellationToken) =>
        // A service-hosted sub-run's task.start is work (nobody asks for it with a step); a local sub-run's runtime is
        // its host's, for which the local sub-runs it hosts and that are still to run are work too.
        database.ReadAsync(
            commands => commands.Get($"""
                SELECT 1 FROM runs r
                WHERE r.run_id = @run AND r.hosting IS DISTINCT FROM 'local'
                  AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = r.run_id AND d.status = 'pending' AND (d.kind <> 'task.start' OR r.hosting = 'service'))
                       OR {SqlRunStore.HostsLocalWork("r.run_id")})
                """).With("@run", runId).ExecuteScalar() is not null,
            snapshot: false,
            cancellationToken);

    public Task<IReadOnlyList<string>> ListRunsWithPendingWorkAsync(int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<string>>(
            commands =>
            {
                // With the hosts of unfinished local sub-runs whose process is gone (found through their own open attempts'
                // index, runs_host_attempt).
                using var reader = commands.Get($"""
                    SELECT run_id FROM (
                        SELECT d.run_id, MIN(d.created_at) AS since FROM deliveries d JOIN runs r ON r.run_id = d.run_id
                        WHERE d.status = 'pending' AND (d.kind <> 'task.start' OR r.hosting = 'service') AND r.hosting IS DISTINCT FROM 'local'
                        GROUP BY d.run_id
                        UNION
                        SELECT h.run_id, MIN(c.created_at) AS since FROM runs c JOIN attempts h ON h.attempt_id = c.host_attempt_id
                        WHERE c.host_attempt_id IS NOT NULL AND {SqlRunStore.IsLocalWork("c")}
                        GROUP BY h.run_id
                    ) work
                    GROUP BY run_id ORDER BY MIN(since) LIMIT @limit
                    """).With("@limit", limit).ExecuteReader();
                var runs = new List<string>();
                while (reader.Read())
                {
                    runs.Add(reader.GetString(0));
                }

                return runs;
            },
            snapshot: false,
            cancellationToken);

    public Task<IReadOnlyList<DeliveryRecord>> ListAsync(string runId, long afterSequence, bool includeAcknowledged, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DeliveryRecord>>(
            commands =>
            {
                using var reader = commands.Get(includeAcknowledged
                        // A replay resends what was delivered and what is due, never what is held for dependencies.
                        ? $"SELECT {Columns} FROM deliveries WHERE run_id = @run AND status IN ('pending', 'acked') AND sequence > @after ORDER BY sequence LIMIT @limit"
                        : $"SELECT {Columns} FROM deliveries WHERE run_id = @run AND status = 'pending' AND sequence > @after ORDER BY sequence LIMIT @limit")
                    .With("@run", runId).With("@after", afterSequence).With("@limit", limit)
                    .ExecuteReader();
                var items = new List<DeliveryRecord>();
                while (reader.Read())
                {
                    items.Add(Read(reader));
                }

                return items;
            },
            snapshot: false,
            cancellationToken);

    public Task<int> MarkSentAsync(string deliveryId, CancellationToken cancellationToken) =>
        database.WriteAsync(
            commands => (int)(long)commands.Get("UPDATE deliveries SET delivery_count = delivery_count + 1 WHERE delivery_id = @id RETURNING delivery_count")
                .With("@id", deliveryId).ExecuteScalar()!,
            cancellationToken);

    public Task<bool> AcknowledgeAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(
            commands => commands.Get("UPDATE deliveries SET status = 'acked', acked_at = @at WHERE delivery_id = @id AND status = 'pending'")
                .With("@at", now.ToUnixMs()).With("@id", deliveryId).ExecuteNonQuery() == 1,
            cancellationToken);
    }
}
