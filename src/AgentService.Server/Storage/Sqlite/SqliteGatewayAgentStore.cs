using System.Text.Json;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;
using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteGatewayAgentStore(SqliteDatabase database) : IGatewayAgentStore
{
    private const string Columns =
        "agent_id, agent_name, agent_type, capabilities, description, webhook_url, metadata, webhook_secret, hosted, status, last_heartbeat, registered_at";

    private const string UpsertSql = """
        INSERT INTO gateway_agents (agent_id, agent_name, agent_type, capabilities, description, webhook_url, metadata,
                                    webhook_secret, hosted, status, last_heartbeat, registered_at)
        VALUES ($id, $name, $type, $caps, $description, $url, $metadata, $secret, $hosted, 'online', $now, $now)
        ON CONFLICT (agent_id) DO UPDATE SET
            agent_name = excluded.agent_name, agent_type = excluded.agent_type, capabilities = excluded.capabilities,
            description = excluded.description, webhook_url = excluded.webhook_url, metadata = excluded.metadata,
            webhook_secret = CASE WHEN $keepSecret THEN gateway_agents.webhook_secret ELSE excluded.webhook_secret END,
            hosted = excluded.hosted, status = 'online', last_heartbeat = excluded.last_heartbeat
        """;

    public Task RegisterAsync(AgentRegistration card, string webhookSecret, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
        {
            Upsert(commands, card, webhookSecret, hosted: false, keepSecret: false, now);
            return true;
        }, cancellationToken);

    public Task SeedHostedAsync(IReadOnlyList<AgentRegistration> cards, Func<string> newSecret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Secrets are drawn outside the writer; an existing agent keeps its own.
        var secrets = cards.Select(_ => newSecret()).ToList();
        return database.Writer.WriteAsync(commands =>
        {
            commands.Get("UPDATE gateway_agents SET hosted = 0 WHERE hosted = 1").ExecuteNonQuery();
            for (var i = 0; i < cards.Count; i++)
            {
                Upsert(commands, cards[i], secrets[i], hosted: true, keepSecret: true, now);
            }

            return true;
        }, cancellationToken);
    }

    public Task<string?> HeartbeatAsync(string agentId, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
        {
            var previous = commands.Get("SELECT status FROM gateway_agents WHERE agent_id = $id").With("$id", agentId).ExecuteScalar() as string;
            if (previous is not null)
            {
                commands.Get("UPDATE gateway_agents SET status = 'online', last_heartbeat = $now WHERE agent_id = $id")
                    .With("$id", agentId).With("$now", now.ToUnixMs()).ExecuteNonQuery();
            }

            return previous;
        }, cancellationToken);

    public Task<bool> UnregisterAsync(string agentId, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
            commands.Get("UPDATE gateway_agents SET status = 'offline' WHERE agent_id = $id").With("$id", agentId).ExecuteNonQuery() == 1,
            cancellationToken);

    public Task<GatewayAgentRecord?> GetAsync(string agentId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"SELECT {Columns} FROM gateway_agents WHERE agent_id = $id");
        command.With("$id", agentId);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? Read(reader) : null);
    }

    public Task<IReadOnlyList<GatewayAgentRecord>> ListAsync(string? agentType, bool onlineOnly, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"""
            SELECT {Columns} FROM gateway_agents
            WHERE ($type IS NULL OR agent_type = $type) AND ($online = 0 OR status = 'online')
            ORDER BY agent_id
            """);
        command.With("$type", agentType).With("$online", onlineOnly ? 1 : 0);
        using var reader = command.ExecuteReader();
        var agents = new List<GatewayAgentRecord>();
        while (reader.Read())
        {
            agents.Add(Read(reader));
        }

        return Task.FromResult<IReadOnlyList<GatewayAgentRecord>>(agents);
    }

    public Task<long> CountAsync(CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT COUNT(*) FROM gateway_agents");
        return Task.FromResult((long)command.ExecuteScalar()!);
    }

    public Task<IReadOnlyList<(string AgentId, string WebhookSecret)>> ListWebhookSecretsAsync(CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT agent_id, webhook_secret FROM gateway_agents");
        using var reader = command.ExecuteReader();
        var secrets = new List<(string, string)>();
        while (reader.Read())
        {
            secrets.Add((reader.GetString(0), reader.GetString(1)));
        }

        return Task.FromResult<IReadOnlyList<(string AgentId, string WebhookSecret)>>(secrets);
    }

    public Task<bool> ReplaceWebhookSecretAsync(string agentId, string expected, string replacement, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
            commands.Get("UPDATE gateway_agents SET webhook_secret = $new WHERE agent_id = $agent AND webhook_secret = $old")
                .With("$new", replacement).With("$agent", agentId).With("$old", expected).ExecuteNonQuery() == 1,
            cancellationToken);

    public Task<IReadOnlyList<string>> MarkStaleOfflineAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync<IReadOnlyList<string>>(commands =>
        {
            using var reader = commands.Get("""
                UPDATE gateway_agents SET status = 'offline'
                WHERE status = 'online' AND hosted = 0 AND last_heartbeat < $cutoff
                RETURNING agent_id
                """).With("$cutoff", cutoff.ToUnixMs()).ExecuteReader();
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }, cancellationToken);

    private static void Upsert(SqliteCommandCache commands, AgentRegistration card, string secret, bool hosted, bool keepSecret, DateTimeOffset now) =>
        commands.Get(UpsertSql)
            .With("$id", card.AgentId).With("$name", card.AgentName).With("$type", card.AgentType)
            .With("$caps", JsonSerializer.Serialize(card.Capabilities.ToList(), ProtocolJsonContext.Wire.ListString))
            .With("$description", card.Description).With("$url", card.WebhookUrl).With("$metadata", card.Metadata)
            .With("$secret", secret).With("$hosted", hosted ? 1 : 0).With("$keepSecret", keepSecret ? 1 : 0).With("$now", now.ToUnixMs())
            .ExecuteNonQuery();

    private static GatewayAgentRecord Read(SqliteDataReader reader) => new(
        new AgentRegistration(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            JsonSerializer.Deserialize(reader.GetString(3), ProtocolJsonContext.Wire.ListString) ?? [],
            reader.GetString(4),
            reader.GetNullableString(5),
            reader.GetString(6)),
        reader.GetString(7),
        reader.GetInt64(8) != 0,
        reader.GetString(9) == AgentPresence.Online ? AgentPresence.Online : AgentPresence.Offline,
        reader.GetTimestamp(10),
        reader.GetTimestamp(11));
}
