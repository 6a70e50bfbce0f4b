using AgentService.Server.Storage.Sql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>Agents' protected secrets on PostgreSQL. Nodes starting together each write the agents file's secrets: a
/// replace is upserts plus one delete of the names no longer there, so concurrent replaces never collide.</summary>
internal sealed class PostgresAgentSecretStore(PostgresDatabase database, TimeProvider time) : IAgentSecretStore
{
    public Task ReplaceAsync(string agentId, IReadOnlyDictionary<string, string> protectedValues, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return database.WriteAsync(async (connection, transaction) =>
        {
            foreach (var (name, value) in protectedValues)
            {
                await using var upsert = connection.Command("""
                    INSERT INTO agent_secrets (agent_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (agent_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """, transaction).With(agentId).With(name).With(value).With(now);
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var delete = connection.Command("DELETE FROM agent_secrets WHERE agent_id = $1 AND NOT (name = ANY($2))", transaction)
                .With(agentId).With(protectedValues.Keys.ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
            return protectedValues.Count;
        }, cancellationToken);
    }

    public async Task<DateTimeOffset> SetAsync(string agentId, string name, string protectedValue, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await database.WriteAsync(async (connection, transaction) =>
        {
            await using var upsert = connection.Command("""
                INSERT INTO agent_secrets (agent_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (agent_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, transaction).With(agentId).With(name).With(protectedValue).With(now);
            return await upsert.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return DateTimeOffset.FromUnixTimeMilliseconds(now);
    }

    public async Task<bool> DeleteAsync(string agentId, string name, CancellationToken cancellationToken) =>
        await database.WriteAsync(async (connection, transaction) =>
        {
            await using var delete = connection.Command("DELETE FROM agent_secrets WHERE agent_id = $1 AND name = $2", transaction).With(agentId).With(name);
            return await delete.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken) > 0;

    public async Task<IReadOnlyList<(string Name, DateTimeOffset UpdatedAt)>> ListNamesAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT name, updated_at FROM agent_secrets WHERE agent_id = $1 ORDER BY name").With(agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new List<(string, DateTimeOffset)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add((reader.GetString(0), reader.GetTimestamp(1)));
        }

        return names;
    }

    public async Task<IReadOnlyList<string>> ListAgentIdsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT DISTINCT agent_id FROM agent_secrets ORDER BY agent_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT name, value FROM agent_secrets WHERE agent_id = $1").With(agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            values[reader.GetString(0)] = reader.GetString(1);
        }

        return values;
    }
}
