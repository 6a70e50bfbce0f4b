namespace AgentService.Server.Storage;

/// <summary>A stored API key: everything but the key itself (only its hash is kept).</summary>
internal sealed record ApiKeyRecord(
    string KeyId,
    string? Name,
    string Role,
    IReadOnlyList<string> Agents,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt)
{
    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}
