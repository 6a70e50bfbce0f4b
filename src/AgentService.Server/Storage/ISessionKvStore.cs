namespace AgentService.Server.Storage;

/// <summary>String key/value pairs scoped to a session (shared by a run and its sub-runs).</summary>
internal interface ISessionKvStore
{
    Task<IReadOnlyDictionary<string, string>> GetAsync(string sessionId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>Sets all pairs or none.</summary>
    Task SetAsync(string sessionId, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken);
}
