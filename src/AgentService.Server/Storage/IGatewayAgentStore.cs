namespace AgentService.Server.Storage;

/// <summary>The gateway's agent registry. Every write is committed before the returned task completes.</summary>
internal interface IGatewayAgentStore
{
    /// <summary>Adds the agent or replaces its card and webhook secret; it is online from <paramref name="now"/> and no longer hosted.</summary>
    Task RegisterAsync(AgentRegistration card, string webhookSecret, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="cards"/> (the agents file) hosted and online with their cards; an agent new to the
    /// registry gets its secret from <paramref name="newSecret"/>. Agents hosted before but absent now become ordinary
    /// registered agents (subject to heartbeats).</summary>
    Task SeedHostedAsync(IReadOnlyList<AgentRegistration> cards, Func<string> newSecret, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records a heartbeat (the agent is online); returns its status before it, or <c>null</c> for an unknown agent.</summary>
    Task<string?> HeartbeatAsync(string agentId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Marks the agent offline; false for an unknown agent.</summary>
    Task<bool> UnregisterAsync(string agentId, CancellationToken cancellationToken);

    Task<GatewayAgentRecord?> GetAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>Agents by id, optionally of one type and online only.</summary>
    Task<IReadOnlyList<GatewayAgentRecord>> ListAsync(string? agentType, bool onlineOnly, CancellationToken cancellationToken);

    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>Every agent's stored (protected) webhook secret, for a key rotation.</summary>
    Task<IReadOnlyList<(string AgentId, string WebhookSecret)>> ListWebhookSecretsAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the agent's webhook secret if it is still <paramref name="expected"/> (another node may have
    /// rotated or replaced it meanwhile); true when replaced.</summary>
    Task<bool> ReplaceWebhookSecretAsync(string agentId, string expected, string replacement, CancellationToken cancellationToken);

    /// <summary>Marks offline every online, non-hosted agent whose last heartbeat is before <paramref name="cutoff"/>; returns their ids.
    /// A conditional update: safe to run from every node at once (an agent is reported by the one node that marked it).</summary>
    Task<IReadOnlyList<string>> MarkStaleOfflineAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
