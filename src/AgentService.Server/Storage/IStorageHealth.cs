namespace AgentService.Server.Storage;

/// <summary>Readiness of the store: reachable and migrated.</summary>
internal interface IStorageHealth
{
    Task<bool> IsReadyAsync(CancellationToken cancellationToken);
}
