using AgentService.Protocol.Gateway;
using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteGatewayMessageStore(SqliteDatabase database) : IGatewayMessageStore
{
    private const string Columns = """
        m.message_id, m.conversation_id, m.conv_seq, m.from_agent_id, m.to_agent_id, m.content, m.metadata, m.delivery,
        m.status, m.attempts, m.last_error, m.created_at, m.delivered_at, m.expires_at,
        CASE WHEN o.leased = 0 THEN o.due_at END, m.traceparent
        """;

    private const string From = "gateway_messages m LEFT JOIN gateway_outbox o ON o.message_id = m.message_id";

    public Task<GatewayMessageRecord> CreateAsync(NewGatewayMessage message, DateTimeOffset dueAt, bool leased, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
        {
            // Single writer: the next position in the conversation is its highest plus one (an index lookup).
            var seq = (long)commands.Get("SELECT COALESCE(MAX(conv_seq), 0) + 1 FROM gateway_messages WHERE conversation_id = $c")
                .With("$c", message.ConversationId).ExecuteScalar()!;
            commands.Get("""
                INSERT INTO gateway_messages (message_id, conversation_id, conv_seq, from_agent_id, to_agent_id, content, metadata,
                                              delivery, status, created_at, expires_at, traceparent)
                VALUES ($id, $c, $seq, $from, $to, $content, $metadata, $delivery, 'queued', $at, $expires, $trace)
                """)
                .With("$id", message.MessageId).With("$c", message.ConversationId).With("$seq", seq)
                .With("$from", message.FromAgentId).With("$to", message.ToAgentId).With("$content", message.Content)
                .With("$metadata", message.Metadata).With("$delivery", message.Delivery)
                .With("$at", message.CreatedAt.ToUnixMs()).With("$expires", message.ExpiresAt.ToUnixMs())
                .With("$trace", message.Traceparent).ExecuteNonQuery();
            commands.Get("INSERT INTO gateway_outbox (message_id, to_agent_id, due_at, leased) VALUES ($id, $to, $due, $leased)")
                .With("$id", message.MessageId).With("$to", message.ToAgentId).With("$due", dueAt.ToUnixMs()).With("$leased", leased ? 1 : 0)
                .ExecuteNonQuery();
            return new GatewayMessageRecord(message.MessageId, message.ConversationId, seq, message.FromAgentId, message.ToAgentId,
                message.Content, message.Metadata, message.Delivery, MessageStatus.Queued, 0, null, message.CreatedAt, null,
                message.ExpiresAt, leased ? null : dueAt, message.Traceparent);
        }, cancellationToken);

    public Task<GatewayMessageRecord?> GetAsync(string messageId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"SELECT {Columns} FROM {From} WHERE m.message_id = $id");
        command.With("$id", messageId);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? Read(reader) : null);
    }

    public Task<Page<GatewayMessageRecord>> ListConversationAsync(string conversationId, PageRequest page, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        using var snapshot = read.BeginSnapshot();
        var count = read.Command("SELECT COALESCE(MAX(conv_seq), 0) FROM gateway_messages WHERE conversation_id = $c");
        count.With("$c", conversationId);
        var total = count.ExecuteScalar() is long n ? n : 0;

        var (first, last) = page.SeqRange;
        var items = new List<GatewayMessageRecord>(page.PageSize);
        if (first <= total)
        {
            var command = read.Command($"SELECT {Columns} FROM {From} WHERE m.conversation_id = $c AND m.conv_seq BETWEEN $first AND $last ORDER BY m.conv_seq");
            command.With("$c", conversationId).With("$first", first).With("$last", last);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                items.Add(Read(reader));
            }
        }

        return Task.FromResult(new Page<GatewayMessageRecord>(items, total));
    }

    public Task<IReadOnlyList<string>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync<IReadOnlyList<string>>(commands =>
        {
            using var reader = commands.Get("""
                UPDATE gateway_outbox SET leased = 1, due_at = $lease
                WHERE message_id IN (SELECT message_id FROM gateway_outbox WHERE due_at <= $now ORDER BY due_at LIMIT $max)
                RETURNING message_id
                """).With("$now", now.ToUnixMs()).With("$lease", leaseUntil.ToUnixMs()).With("$max", max).ExecuteReader();
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }, cancellationToken);

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT MIN(due_at) FROM gateway_outbox");
        return Task.FromResult(command.ExecuteScalar() is long due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : (DateTimeOffset?)null);
    }

    public Task<int> ReleaseLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
            commands.Get("UPDATE gateway_outbox SET leased = 0, due_at = $now WHERE leased = 1").With("$now", now.ToUnixMs()).ExecuteNonQuery(),
            cancellationToken);

    public Task<int> WakeAsync(string toAgentId, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
            commands.Get("UPDATE gateway_outbox SET due_at = $now WHERE to_agent_id = $to AND leased = 0 AND due_at > $now")
                .With("$to", toAgentId).With("$now", now.ToUnixMs()).ExecuteNonQuery(),
            cancellationToken);

    public Task RecordAsync(DeliveryUpdate update, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
        {
            var at = update.At.ToUnixMs();
            switch (update.Outcome)
            {
                case DeliveryOutcome.Delivered:
                    commands.Get("UPDATE gateway_messages SET status = 'sent', attempts = attempts + 1, delivered_at = $at WHERE message_id = $id AND status = 'queued'")
                        .With("$id", update.MessageId).With("$at", at).ExecuteNonQuery();
                    DeleteEntry(commands, update.MessageId);
                    break;
                case DeliveryOutcome.Failed or DeliveryOutcome.Expired:
                    commands.Get("UPDATE gateway_messages SET status = 'failed', attempts = attempts + $n, last_error = $error WHERE message_id = $id AND status = 'queued'")
                        .With("$id", update.MessageId).With("$n", update.Outcome == DeliveryOutcome.Failed ? 1 : 0).With("$error", update.Error)
                        .ExecuteNonQuery();
                    DeleteEntry(commands, update.MessageId);
                    break;
                default:
                    commands.Get("UPDATE gateway_messages SET attempts = attempts + $n, last_error = $error WHERE message_id = $id AND status = 'queued'")
                        .With("$id", update.MessageId).With("$n", update.Outcome == DeliveryOutcome.Retry ? 1 : 0).With("$error", update.Error)
                        .ExecuteNonQuery();
                    commands.Get("UPDATE gateway_outbox SET leased = 0, due_at = $due WHERE message_id = $id")
                        .With("$id", update.MessageId).With("$due", (update.NextAttemptAt ?? update.At).ToUnixMs()).ExecuteNonQuery();
                    break;
            }

            return true;
        }, cancellationToken);

    private static void DeleteEntry(SqliteCommandCache commands, string messageId) =>
        commands.Get("DELETE FROM gateway_outbox WHERE message_id = $id").With("$id", messageId).ExecuteNonQuery();

    private static GatewayMessageRecord Read(SqliteDataReader reader) => new(
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
