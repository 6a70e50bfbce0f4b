using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentService.Server.Storage;

namespace AgentService.Server.Agents;

/// <summary>An agent's effective configuration: what an admin set through the API, else the agents file's
/// <c>config</c>. The version changes whenever the configuration does.</summary>
internal sealed class AgentConfiguration(IAgentConfigStore store)
{
    public async Task<(JsonElement Config, string Version, string Source)> GetAsync(AgentDefinition agent, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(agent.Id, cancellationToken) is { } stored)
        {
            return (stored.Config, $"cfg-v{stored.Version}", "admin");
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(agent.Config, AgentsJsonContext.Default.DictionaryStringJsonElement);
        using var document = JsonDocument.Parse(json);
        return (document.RootElement.Clone(), "cfg-" + Convert.ToHexStringLower(SHA256.HashData(json))[..12], "agents-file");
    }

    public Task<long> SetAsync(string agentId, JsonElement config, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.SetAsync(agentId, config, at, cancellationToken);
}
