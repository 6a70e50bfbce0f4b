namespace AgentService.Server.Storage;

/// <summary>The key is the last admin key that works (not revoked, not expired): revoking it would leave nobody able to
/// manage keys, and a new admin key is only made for an empty store. Nothing was changed.</summary>
internal sealed class LastAdminKeyException(string keyId)
    : InvalidOperationException($"API key '{keyId}' is the last active admin key: create another admin key before revoking it.")
{
    public string KeyId { get; } = keyId;
}
