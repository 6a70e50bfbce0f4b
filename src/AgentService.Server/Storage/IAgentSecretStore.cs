namespace AgentService.Server.Storage;

/// <summary>Agents' secrets, stored only in protected (encrypted) form; this store never sees a plaintext value.</summary>
internal interface IAgentSecretStore
{
    /// <summary>Makes the agent's secrets exactly <paramref name="protectedValues"/>.</summary>
    Task ReplaceAsync(string agentId, IReadOnlyDictionary<string, string> protectedValues, CancellationToken cancellationToken);

    /// <summary>The agent's protected secrets by name.</summary>
    Task<IReadOnlyDictionary<string, string>> GetAsync(string agentId, CancellationToken cancellationToken);
}
