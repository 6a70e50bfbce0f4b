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
