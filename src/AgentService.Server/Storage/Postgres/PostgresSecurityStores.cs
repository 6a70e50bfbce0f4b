using System.Text;
using System.Text.Json;
using AgentService.Server.Observability;
using AgentService.Server.Storage.Sql;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>API keys in PostgreSQL: shared by every node, so a key created or revoked on one works or stops on all
/// (within the key cache time).</summary>
internal sealed class PostgresApiKeyStore(PostgresDatabase database) : IApiKeyStore
{
    private const string Columns = "key_id, name, role, agents, created_at, expires_at, revoked_at";

    public Task CreateAsync(ApiKeyRecord key, string hash, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command("INSERT INTO api_keys (key_id, hash, name, role, agents, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)", transaction)
                .With(key.KeyId).With(hash).WithText(key.Name).With(key.Role).With(string.Join(' ', key.Agents))
                .With(key.CreatedAt.ToUnixTimeMilliseconds()).With(key.ExpiresAt?.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public async Task<(ApiKeyRecord Key, string Hash)?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns}, hash FROM api_keys WHERE key_id = $1").With(keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (Read(reader), reader.GetString(7)) : null;
    }

    public async Task<(IReadOnlyList<ApiKeyRecord> Items, int Total)> ListAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        var items = new List<ApiKeyRecord>();
        await using (var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, key_id LIMIT $1 OFFSET $2").With(pageSize).With((long)(page - 1) * pageSize))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Read(reader));
            }
        }

        await using var count = database.DataSource.CreateCommand("SELECT COUNT(*) FROM api_keys");
        return (items, (int)(long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }

    public Task<ApiKeyRecord?> RevokeAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            // Two admins revoking each other at once must not both succeed: the admin keys are locked first, so the
            // second revocation's check (a statement of its own, with a fresh snapshot) sees the first.
            await using (var lockAdmins = connection.Command("SELECT key_id FROM api_keys WHERE role = $1 AND revoked_at IS NULL FOR UPDATE", transaction).With(Security.Roles.Admin))
            {
                await lockAdmins.ExecuteNonQueryAsync(cancellationToken);
            }

            int revoked;
            await using (var update = connection.Command("""
                UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL
                    AND (role <> $3 OR (expires_at IS NOT NULL AND expires_at <= $1) OR EXISTS (SELECT 1 FROM api_keys o WHERE o.role = $3 AND o.key_id <> $2 AND o.revoked_at IS NULL
                        AND (o.expires_at IS NULL OR o.expires_at > $1)))
                """, transaction).With(at.ToUnixTimeMilliseconds()).With(keyId).With(Security.Roles.Admin))
            {
                revoked = await update.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var select = connection.Command($"SELECT {Columns} FROM api_keys WHERE key_id = $1", transaction).With(keyId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            var key = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
            return revoked == 0 && key is { RevokedAt: null } ? throw new LastAdminKeyException(keyId) : key;
        }, cancellationToken);

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM api_keys)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static ApiKeyRecord Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetNullableString(1),
        reader.GetString(2),
        reader.GetString(3).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        reader.GetTimestamp(4),
        reader.IsDBNull(5) ? null : reader.GetTimestamp(5),
        reader.IsDBNull(6) ? null : reader.GetTimestamp(6));
}

/// <summary>The audit log in PostgreSQL, append-only by trigger, one log for all nodes.</summary>
internal sealed class PostgresAuditLog(PostgresDatabase database, ILogger<PostgresAuditLog> logger) : IAuditLog
{
    private readonly AuditQueue _queue = new(
        drain => database.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, drain()), CancellationToken.None),
        database.IsOutage,
        logger);

    /// <summary>
    /// Queues the entry; the entries queued until the writer comes round go in with one multi-row statement, so
    /// auditing adds neither a commit nor a round trip per request.
    /// </summary>
    public void Append(AuditEntry entry) => _queue.Enqueue(entry);

    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, [entry]), cancellationToken);

    private static async Task<int> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<AuditEntry> entries)
    {
        if (entries.Count == 0)
        {
            return 0;
        }

        await using var command = connection.Command("""
            INSERT INTO audit_log (time, actor, action, target, outcome, status, trace_id, remote_addr, detail)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::text[], $9::text[])
            """, transaction)
            .With(entries.Select(e => e.Time.ToUnixTimeMilliseconds()).ToArray())
            .With(entries.Select(e => e.Actor).ToArray())
            .With(entries.Select(e => e.Action).ToArray())
            .With(entries.Select(e => e.Target).ToArray())
            .With(entries.Select(e => e.Outcome).ToArray())
            .With(entries.Select(e => e.Status).ToArray())
            .With(entries.Select(e => e.TraceId).ToArray())
            .With(entries.Select(e => e.RemoteAddress).ToArray())
            .With(entries.Select(e => e.Detail).ToArray());
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<(IReadOnlyList<AuditEntry> Items, int Total)> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var where = new StringBuilder("WHERE true");
        var values = new List<object>();
        void Filter(string column, string op, object? value)
        {
            if (value is not null)
            {
                values.Add(value);
                where.Append(" AND ").Append(column).Append(' ').Append(op).Append(" $").Append(values.Count);
            }
        }

        Filter("actor", "=", query.Actor);
        Filter("action", "=", query.Action);
        Filter("time", ">=", query.Since?.ToUnixTimeMilliseconds());
        Filter("time", "<", query.Until?.ToUnixTimeMilliseconds());

        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        var items = new List<AuditEntry>();
        await using (var select = connection.Command($"SELECT seq, time, actor, action, target, outcome, status, trace_id, remote_addr, detail FROM audit_log {where} ORDER BY seq LIMIT {query.PageSize} OFFSET {(long)(query.Page - 1) * query.PageSize}"))
        {
            values.ForEach(v => select.With(v));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new AuditEntry(
                    reader.GetTimestamp(1), reader.GetString(2), reader.GetString(3), reader.GetNullableString(4), reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetNullableString(7), reader.GetNullableString(8), reader.GetNullableString(9))
                {
                    Seq = reader.GetInt64(0),
                });
            }
        }

        await using var count = connection.Command($"SELECT COUNT(*) FROM audit_log {where}");
        values.ForEach(v => count.With(v));
        return (items, (int)(long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }
}

/// <summary>Agents' admin-set configuration in PostgreSQL.</summary>
internal sealed class PostgresAgentConfigStore(PostgresDatabase database) : IAgentConfigStore
{
    public async Task<(JsonElement Config, long Version)?> GetAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT config, version FROM agent_config WHERE agent_id = $1").With(agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        using var document = JsonDocument.Parse(reader.GetString(0));
        return (document.RootElement.Clone(), reader.GetInt64(1));
    }

    public Task<long> SetAsync(string agentId, JsonElement config, DateTimeOffset at, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command("""
                INSERT INTO agent_config (agent_id, config, version, updated_at) VALUES ($1, $2, 1, $3)
                ON CONFLICT (agent_id) DO UPDATE SET config = excluded.config, version = agent_config.version + 1, updated_at = excluded.updated_at
                RETURNING version
                """, transaction).With(agentId).With(config.GetRawText()).With(at.ToUnixTimeMilliseconds());
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);
}
