namespace AgentService.Server.Storage;

/// <summary>Readiness of the store: reachable and migrated.</summary>
internal interface IStorageHealth
{
    Task<bool> IsReadyAsync(CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="exception"/> says the store cannot be reached or cannot take work now (connection
    /// refused or lost, the database shutting down, out of connections or disk) rather than a defect: such a request is
    /// answered 503 with <c>Retry-After</c>, and a load balancer's readiness check sees the same through <c>/readyz</c>.</summary>
    bool IsOutage(Exception exception);
}
