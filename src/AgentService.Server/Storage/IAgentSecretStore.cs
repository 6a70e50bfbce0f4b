namespace AgentService.Server.Storage;

/// <summary>Agents' secrets, stored only in protected (encrypted) form; this store never sees a plaintext value.</summary>
internal interface IAgentSecretStore
{
    /// <summary>Makes the agent's secrets exactly <paramref name="protectedValues"/>.</summary>
    Task ReplaceAsync(string agentId, IReadOnlyDictionary<string, string> protectedValues, CancellationToken cancellationToken);

    /// <summary>Sets one secret (insert or replace); returns its <c>updatedAt</c> as stored (whole milliseconds).</summary>
    Task<DateTimeOffset> SetAsync(string agentId, string name, string protectedValue, CancellationToken cancellationToken);

    /// <summary>Deletes one secret; false when the agent had no secret of that name.</summary>
    Task<bool> DeleteAsync(string agentId, string name, CancellationToken cancellationToken);

    /// <summary>The agent's protected secrets by name.</summary>
    Task<IReadOnlyDictionary<string, string>> GetAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>Every agent that has at least one secret.</summary>
    Task<IReadOnlyList<string>> ListAgentIdsAsync(CancellationToken cancellationToken);

    /// <summary>The names of the agent's secrets and when each was last set, by name.</summary>
    Task<IReadOnlyList<(string Name, DateTimeOffset UpdatedAt)>> ListNamesAsync(string agentId, CancellationToken cancellationToken);
}
