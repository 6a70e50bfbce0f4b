namespace AgentService.Server.Storage;

/// <summary>API keys, stored by the SHA-256 of the key.</summary>
internal interface IApiKeyStore
{
    Task CreateAsync(ApiKeyRecord key, string hash, CancellationToken cancellationToken);

    /// <summary>The key and its stored hash, or <c>null</c> for an unknown key id.</summary>
    Task<(ApiKeyRecord Key, string Hash)?> FindAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>All keys, newest first, a page at a time; and the total.</summary>
    Task<(IReadOnlyList<ApiKeyRecord> Items, int Total)> ListAsync(int page, int pageSize, CancellationToken cancellationToken);

    /// <summary>Revokes the key (idempotent: the first revocation time stays). <c>null</c> for an unknown key id;
    /// <see cref="LastAdminKeyException"/> for the last admin key that works (checked in the same write).</summary>
    Task<ApiKeyRecord?> RevokeAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken);

    Task<bool> AnyAsync(CancellationToken cancellationToken);
}
