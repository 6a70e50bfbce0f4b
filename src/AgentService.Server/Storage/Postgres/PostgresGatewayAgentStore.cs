using System.Text.Json;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;
using AgentService.Server.Storage.Sql;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>The gateway registry on PostgreSQL, shared by every node: an agent registered on one node heartbeats on
/// another and is listed on a third. Every change is one conditional statement, so nodes never overwrite each other.</summary>
internal sealed class PostgresGatewayAgentStore(PostgresDatabase database) : IGatewayAgentStore
{
    private const string Columns =
        "agent_id, agent_name, agent_type, capabilities, description, webhook_url, metadata, webhook_secret, hosted, status, last_heartbeat, registered_at";

    private const string UpsertSql = """
        INSERT INTO gateway_agents (agent_id, agent_name, agent_type, capabilities, description, webhook_url, metadata,
                                    webhook_secret, hosted, status, last_heartbeat, registered_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'online', $10, $10)
        ON CONFLICT (agent_id) DO UPDATE SET
            agent_name = excluded.agent_name, agent_type = excluded.agent_type, capabilities = excluded.capabilities,
            description = excluded.description, webhook_url = excluded.webhook_url, metadata = excluded.metadata,
            webhook_secret = CASE WHEN $11 THEN gateway_agents.webhook_secret ELSE excluded.webhook_secret END,
            hosted = excluded.hosted, status = 'online', last_heartbeat = excluded.last_heartbeat
        """;

    public Task RegisterAsync(AgentRegistration card, string webhookSecret, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await UpsertAsync(connection, transaction, card, webhookSecret, hosted: false, keepSecret: false, now, cancellationToken);
            return true;
        }, cancellationToken);

    public Task SeedHostedAsync(IReadOnlyList<AgentRegistration> cards, Func<string> newSecret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var secrets = cards.Select(_ => newSecret()).ToList();
        return database.WriteAsync(async (connection, transaction) =>
        {
            // Nodes starting together serialize here, so the last start's agents file is the hosted set.
            await using (var lockCommand = connection.Command("SELECT pg_advisory_xact_lock(hashtext('gateway_agents.hosted'))", transaction))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var unhost = connection.Command("UPDATE gateway_agents SET hosted = false WHERE hosted", transaction))
            {
                await unhost.ExecuteNonQueryAsync(cancellationToken);
            }

            for (var i = 0; i < cards.Count; i++)
            {
                await UpsertAsync(connection, transaction, cards[i], secrets[i], hosted: true, keepSecret: true, now, cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    public Task<string?> HeartbeatAsync(string agentId, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            // The row lock of FOR UPDATE orders concurrent heartbeats (and the sweeper): each sees the status before it.
            await using var command = connection.Command("""
                UPDATE gateway_agents g SET status = 'online', last_heartbeat = $2
                FROM (SELECT agent_id, status FROM gateway_agents WHERE agent_id = $1 FOR UPDATE) previous
                WHERE g.agent_id = previous.agent_id
                RETURNING previous.status
                """, transaction).With(agentId).With(now.ToUnixTimeMilliseconds());
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }, cancellationToken);

    public async Task<bool> UnregisterAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("UPDATE gateway_agents SET status = 'offline' WHERE agent_id = $1").With(agentId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<GatewayAgentRecord?> GetAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM gateway_agents WHERE agent_id = $1").With(agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<GatewayAgentRecord>> ListAsync(string? agentType, bool onlineOnly, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"""
            SELECT {Columns} FROM gateway_agents
            WHERE ($1::text IS NULL OR agent_type = $1) AND (NOT $2 OR status = 'online')
            ORDER BY agent_id COLLATE "C"
            """).WithText(agentType).With(onlineOnly);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var agents = new List<GatewayAgentRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            agents.Add(Read(reader));
        }

        return agents;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT COUNT(*) FROM gateway_agents");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<(string AgentId, string WebhookSecret)>> ListWebhookSecretsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT agent_id, webhook_secret FROM gateway_agents");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var secrets = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            secrets.Add((reader.GetString(0), reader.GetString(1)));
        }

        return secrets;
    }

    public async Task<bool> ReplaceWebhookSecretAsync(string agentId, string expected, string replacement, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("UPDATE gateway_agents SET webhook_secret = $1 WHERE agent_id = $2 AND webhook_secret = $3")
            .With(replacement).With(agentId).With(expected);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<string>> MarkStaleOfflineAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        // Conditional on the row as it is when updated: a heartbeat committed meanwhile on another node keeps the agent
        // online, and of several nodes sweeping at once only the one that changed a row reports it.
        await using var command = database.DataSource.CreateCommand("""
            UPDATE gateway_agents SET status = 'offline'
            WHERE status = 'online' AND NOT hosted AND last_heartbeat < $1
            RETURNING agent_id
            """).With(cutoff.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AgentRegistration card, string secret,
        bool hosted, bool keepSecret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(UpsertSql, transaction)
            .With(card.AgentId).With(card.AgentName).With(card.AgentType)
            .With(JsonSerializer.Serialize(card.Capabilities.ToList(), ProtocolJsonContext.Wire.ListString))
            .With(card.Description).WithText(card.WebhookUrl).With(card.Metadata)
            .With(secret).With(hosted).With(now.ToUnixTimeMilliseconds()).With(keepSecret);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static GatewayAgentRecord Read(NpgsqlDataReader reader) => new(
        new AgentRegistration(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            JsonSerializer.Deserialize(reader.GetString(3), ProtocolJsonContext.Wire.ListString) ?? [],
            reader.GetString(4),
            reader.GetNullableString(5),
            reader.GetString(6)),
        reader.GetString(7),
        reader.GetBoolean(8),
        reader.GetString(9) == AgentPresence.Online ? AgentPresence.Online : AgentPresence.Offline,
        reader.GetTimestamp(10),
        reader.GetTimestamp(11));
}
