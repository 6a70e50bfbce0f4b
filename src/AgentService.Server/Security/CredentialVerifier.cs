using System.Collections.Concurrent;
using AgentService.Server.Runs;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>Checks presented API keys and run tokens against the store. Verified keys are cached for
/// <see cref="AuthOptions.KeyCacheSeconds"/>; a revocation on this node drops its entry at once.</summary>
internal sealed class CredentialVerifier(IApiKeyStore keys, IRunStore runs, IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);

    /// <summary>The key's record when <paramref name="key"/> is a known, active key; otherwise <c>null</c>, with the
    /// key id when it names a stored key (revoked, expired, or the wrong secret) so the refusal can be attributed.</summary>
    public async Task<(ApiKeyRecord? Key, string? StoredKeyId)> VerifyKeyAsync(string key, CancellationToken cancellationToken)
    {
        var keyId = ApiKeys.KeyIdOf(key);
        if (keyId is null)
        {
            return (null, null);
        }

        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(keyId, out var cached) || cached.ReadAt.AddSeconds(options.Value.KeyCacheSeconds) <= now)
        {
            var found = await keys.FindAsync(keyId, cancellationToken);
            if (found is null)
            {
                return (null, null);
            }

            cached = new CachedKey(found.Value.Key, found.Value.Hash, now);
            _cache[keyId] = cached;
        }

        return (ApiKeys.HashEquals(cached.Hash, ApiKeys.Hash(key)) && cached.Key.IsActive(now) ? cached.Key : null, keyId);
    }

    /// <summary>Drops a key from the cache (after a revocation on this node).</summary>
    public void Forget(string keyId) => _cache.TryRemove(keyId, out _);

    /// <summary>The run of a run token while that run is not finished; otherwise <c>null</c>.</summary>
    public async Task<string?> VerifyRunTokenAsync(string token, CancellationToken cancellationToken)
    {
        var runId = await runs.FindRunByTokenAsync(RunTokens.Hash(token), cancellationToken);
        if (runId is null)
        {
            return null;
        }

        var run = await runs.GetRunAsync(runId, cancellationToken);
        return run is not null && !RunStatus.IsTerminal(run.Status) ? runId : null;
    }

    private sealed record CachedKey(ApiKeyRecord Key, string Hash, DateTimeOffset ReadAt);
}
