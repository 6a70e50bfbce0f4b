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

    public Task<IReadOnlyDictionary<string, string>> GetAsync(string agentId, CancellationToken cancellationToken)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, value FROM agent_secrets WHERE agent_id = $agent";
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
