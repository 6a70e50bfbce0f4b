using System.Text.Json;

namespace AgentService.Server.Storage;

/// <summary>Agents' configuration set through the admin API; it replaces the agents file's <c>config</c>.</summary>
internal interface IAgentConfigStore
{
    /// <summary>The stored configuration (a JSON object) and its version, or <c>null</c> when none was set.</summary>
    Task<(JsonElement Config, long Version)?> GetAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>Replaces the configuration; returns the new version (previous + 1).</summary>
    Task<long> SetAsync(string agentId, JsonElement config, DateTimeOffset at, CancellationToken cancellationToken);
}
