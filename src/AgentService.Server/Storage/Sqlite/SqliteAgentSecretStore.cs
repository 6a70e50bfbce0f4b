using AgentService.Server.Storage.Sql;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteAgentSecretStore(SqliteDatabase database, TimeProvider time) : IAgentSecretStore
{
    public Task ReplaceAsync(string agentId, IReadOnlyDictionary<string, string> protectedValues, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.Writer.WriteAsync(commands =>
        {
            commands.Get("DELETE FROM agent_secrets WHERE agent_id = $agent").With("$agent", agentId).ExecuteNonQuery();
            foreach (var (name, value) in protectedValues)
            {
                commands.Get("INSERT INTO agent_secrets (agent_id, name, value, updated_at) VALUES ($agent, $name, $value, $at)")
                    .With("$agent", agentId).With("$name", name).With("$value", value).With("$at", now.ToUnixMs()).ExecuteNonQuery();
            }

            return protectedValues.Count;
        }, cancellationToken);
    }

    public async Task<DateTimeOffset> SetAsync(string agentId, string name, string protectedValue, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixMs();
        await database.Writer.WriteAsync(
            commands => commands.Get("INSERT INTO agent_secrets (agent_id, name, value, updated_at) VALUES ($agent, $name, $value, $at) ON CONFLICT (agent_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .With("$agent", agentId).With("$name", name).With("$value", protectedValue).With("$at", now).ExecuteNonQuery(),
            cancellationToken);
        return DateTimeOffset.FromUnixTimeMilliseconds(now);
    }

    public async Task<bool> DeleteAsync(string agentId, string name, CancellationToken cancellationToken) =>
        await database.Writer.WriteAsync(
            commands => commands.Get("DELETE FROM agent_secrets WHERE agent_id = $agent AND name = $name").With("$agent", agentId).With("$name", name).ExecuteNonQuery(),
            cancellationToken) > 0;

    public Task<IReadOnlyList<(string Name, DateTimeOffset UpdatedAt)>> ListNamesAsync(string agentId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT name, updated_at FROM agent_secrets WHERE agent_id = $agent ORDER BY name");
        command.With("$agent", agentId);
        using var reader = command.ExecuteReader();
        var names = new List<(string, DateTimeOffset)>();
        while (reader.Read())
        {
            names.Add((reader.GetString(0), reader.GetTimestamp(1)));
        }

        return Task.FromResult<IReadOnlyList<(string Name, DateTimeOffset UpdatedAt)>>(names);
    }

    public Task<IReadOnlyList<string>> ListAgentIdsAsync(CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT DISTINCT agent_id FROM agent_secrets ORDER BY agent_id");
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return Task.FromResult<IReadOnlyList<string>>(ids);
    }

    public Task<IReadOnlyDictionary<string, string>> GetAsync(string agentId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT name, value FROM agent_secrets WHERE agent_id = $agent");
        command.With("$agent", agentId);
        using var reader = command.ExecuteReader();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            values[reader.GetString(0)] = reader.GetString(1);
        }

        return Task.FromResult<IReadOnlyDictionary<string, string>>(values);
    }
}
