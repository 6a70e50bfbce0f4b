using AgentService.Protocol.Gateway;
using AgentService.Server.Hosting;
using AgentService.Server.Storage.Sql;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>
/// Gateway messages and their outbox on PostgreSQL, shared by every node. Due entries are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> under a lease that names this node, so each is pushed by one node; at start a node takes
/// back only its own leases (its previous process's) and those that ran out, never a live node's deliveries in flight.
/// Positions in a conversation come from a counter row locked until commit, so sends from several nodes to one
/// conversation get gap-free, unique positions.
/// </summary>
internal sealed class PostgresGatewayMessageStore(PostgresDatabase database, NodeIdentity node) : IGatewayMessageStore
{
    /// <summary>The channel that tells every node's dispatcher (<see cref="PostgresListener"/>) that entries became due.</summary>
    public const string Channel = "agentservice_gateway_outbox";

    private const string NotifySql = $"SELECT pg_notify('{Channel}', '')";

    private const string Columns = """
        m.message_id, m.conversation_id, m.conv_seq, m.from_agent_id, m.to_agent_id, m.content, m.metadata, m.delivery,
        m.status, m.attempts, m.last_error, m.created_at, m.delivered_at, m.expires_at,
        CASE WHEN NOT o.leased THEN o.due_at END, m.traceparent
        """;

    private const string From = "gateway_messages m LEFT JOIN gateway_outbox o ON o.message_id = m.message_id";

    public Task<GatewayMessageRecord> CreateAsync(NewGatewayMessage message, DateTimeOffset dueAt, bool leased, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var counter = connection.Command("""
                INSERT INTO gateway_conversations (conversation_id, message_count) VALUES ($1, 1)
                ON CONFLICT (conversation_id) DO UPDATE SET message_count = gateway_conversations.message_count + 1
                RETURNING message_count
                """, transaction).With(message.ConversationId);
            var seq = (long)(await counter.ExecuteScalarAsync(cancellationToken))!;
            await using (var insert = connection.Command("""
                INSERT INTO gateway_messages (message_id, conversation_id, conv_seq, from_agent_id, to_agent_id, content, metadata,
                                              delivery, status, created_at, expires_at, traceparent)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10, $11)
                """, transaction)
                .With(message.MessageId).With(message.ConversationId).With(seq).With(message.FromAgentId).With(message.ToAgentId)
                .With(message.Content).With(message.Metadata).With(message.Delivery)
                .With(message.CreatedAt.ToUnixTimeMilliseconds()).With(message.ExpiresAt.ToUnixTimeMilliseconds()).WithText(message.Traceparent))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var outbox = connection.Command("INSERT INTO gateway_outbox (message_id, to_agent_id, due_at, leased, lease_owner) VALUES ($1, $2, $3, $4, $5)", transaction)
                .With(message.MessageId).With(message.ToAgentId).With(dueAt.ToUnixTimeMilliseconds()).With(leased).WithText(leased ? node.Id : null))
            {
                await outbox.ExecuteNonQueryAsync(cancellationToken);
            }

            if (!leased)
            {
                // Delivered at commit: any node with room may take the entry, not only this one.
                await ExecuteAsync(connection.Command(NotifySql, transaction), cancellationToken);
            }

            return new GatewayMessageRecord(message.MessageId, message.ConversationId, seq, message.FromAgentId, message.ToAgentId,
                message.Content, message.Metadata, message.Delivery, MessageStatus.Queued, 0, null, message.CreatedAt, null,
                message.ExpiresAt, leased ? null : dueAt, message.Traceparent);
        }, cancellationToken);

    public async Task<GatewayMessageRecord?> GetAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM {From} WHERE m.message_id = $1").With(messageId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<Page<GatewayMessageRecord>> ListConversationAsync(string conversationId, PageRequest page, CancellationToken cancellationToken)
    {
        var (first, last) = page.SeqRange;
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var count = connection.Command("SELECT message_count FROM gateway_conversations WHERE conversation_id = $1", transaction).With(conversationId);
        var total = await count.ExecuteScalarAsync(cancellationToken) is long n ? n : 0;
        var items = new List<GatewayMessageRecord>(page.PageSize);
        if (first <= total)
        {
            await using var command = connection.Command($"SELECT {Columns} FROM {From} WHERE m.conversation_id = $1 AND m.conv_seq BETWEEN $2 AND $3 ORDER BY m.conv_seq", transaction)
                .With(conversationId).With(first).With(last);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Read(reader));
            }
        }

        return new Page<GatewayMessageRecord>(items, total);
    }

    public async Task<IReadOnlyList<string>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken)
    {
        // Rows another node is claiming right now are skipped, not waited for: each entry goes to exactly one claimer.
        await using var command = database.DataSource.CreateCommand("""
            UPDATE gateway_outbox o SET leased = true, due_at = $2, lease_owner = $3
            FROM (SELECT message_id FROM gateway_outbox WHERE due_at <= $1 ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
            WHERE o.message_id = due.message_id
            RETURNING o.message_id
            """).With(now.ToUnixTimeMilliseconds()).With(leaseUntil.ToUnixTimeMilliseconds()).With(node.Id).With(max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT MIN(due_at) FROM gateway_outbox");
        return await command.ExecuteScalarAsync(cancellationToken) is long due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : null;
    }

    public async Task<int> ReleaseLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        await using var command = database.DataSource.CreateCommand("""
            UPDATE gateway_outbox SET leased = false, lease_owner = NULL, due_at = $1
            WHERE leased AND (lease_owner = $2 OR due_at <= $1)
            """).With(at).With(node.Id);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<int> WakeAsync(string toAgentId, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command("UPDATE gateway_outbox SET due_at = $2 WHERE to_agent_id = $1 AND NOT leased AND due_at > $2", transaction)
                .With(toAgentId).With(now.ToUnixTimeMilliseconds());
            var woken = await command.ExecuteNonQueryAsync(cancellationToken);
            if (woken > 0)
            {
                await ExecuteAsync(connection.Command(NotifySql, transaction), cancellationToken);
            }

            return woken;
        }, cancellationToken);

    public Task RecordAsync(DeliveryUpdate update, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var at = update.At.ToUnixTimeMilliseconds();
            switch (update.Outcome)
            {
                case DeliveryOutcome.Delivered:
                    await ExecuteAsync(connection.Command("UPDATE gateway_messages SET status = 'sent', attempts = attempts + 1, delivered_at = $2 WHERE message_id = $1 AND status = 'queued'", transaction)
                        .With(update.MessageId).With(at), cancellationToken);
                    await DeleteEntryAsync(connection, transaction, update.MessageId, cancellationToken);
                    break;
                case DeliveryOutcome.Failed or DeliveryOutcome.Expired:
                    await ExecuteAsync(connection.Command("UPDATE gateway_messages SET status = 'failed', attempts = attempts + $2, last_error = $3 WHERE message_id = $1 AND status = 'queued'", transaction)
                        .With(update.MessageId).With(update.Outcome == DeliveryOutcome.Failed ? 1 : 0).WithText(update.Error), cancellationToken);
                    await DeleteEntryAsync(connection, transaction, update.MessageId, cancellationToken);
                    break;
                default:
                    await ExecuteAsync(connection.Command("UPDATE gateway_messages SET attempts = attempts + $2, last_error = $3 WHERE message_id = $1 AND status = 'queued'", transaction)
                        .With(update.MessageId).With(update.Outcome == DeliveryOutcome.Retry ? 1 : 0).WithText(update.Error), cancellationToken);
                    // Fenced by the lease: a pusher whose lease ran out and was taken by another node does not move the
                    // entry from under the new holder.
                    await ExecuteAsync(connection.Command("UPDATE gateway_outbox SET leased = false, lease_owner = NULL, due_at = $2 WHERE message_id = $1 AND lease_owner = $3", transaction)
                        .With(update.MessageId).With((update.NextAttemptAt ?? update.At).ToUnixTimeMilliseconds()).With(node.Id), cancellationToken);
                    break;
            }

            return true;
        }, cancellationToken);

    private static Task DeleteEntryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string messageId, CancellationToken cancellationToken) =>
        ExecuteAsync(connection.Command("DELETE FROM gateway_outbox WHERE message_id = $1", transaction).With(messageId), cancellationToken);

    private static async Task ExecuteAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static GatewayMessageRecord Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetString(6),
        reader.GetString(7),
        reader.GetString(8),
        reader.GetInt32(9),
        reader.GetNullableString(10),
        reader.GetTimestamp(11),
        reader.IsDBNull(12) ? null : reader.GetTimestamp(12),
        reader.GetTimestamp(13),
        reader.IsDBNull(14) ? null : reader.GetTimestamp(14),
        reader.GetNullableString(15));
}
