using System.Text.Json;
using AgentService.Server.Storage.Sql;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteAgentConfigStore(SqliteDatabase database) : IAgentConfigStore
{
    public Task<(JsonElement Config, long Version)?> GetAsync(string agentId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT config, version FROM agent_config WHERE agent_id = $agent");
        command.With("$agent", agentId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return Task.FromResult<(JsonElement, long)?>(null);
        }

        using var document = JsonDocument.Parse(reader.GetString(0));
        return Task.FromResult<(JsonElement, long)?>((document.RootElement.Clone(), reader.GetInt64(1)));
    }

    public Task<long> SetAsync(string agentId, JsonElement config, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var text = config.GetRawText();
        return database.Writer.WriteAsync(
            commands => (long)commands.Get("INSERT INTO agent_config (agent_id, config, version, updated_at) VALUES ($agent, $config, 1, $at) ON CONFLICT (agent_id) DO UPDATE SET config = excluded.config, version = agent_config.version + 1, updated_at = excluded.updated_at RETURNING version")
                .With("$agent", agentId).With("$config", text).With("$at", at.ToUnixMs()).ExecuteScalar()!,
            cancellationToken);
    }
}
