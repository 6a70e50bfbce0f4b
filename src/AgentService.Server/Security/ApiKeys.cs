using System.Security.Cryptography;
using System.Text;

namespace AgentService.Server.Security;

/// <summary>
/// API keys: <c>ask_&lt;key id&gt;_&lt;secret&gt;</c>. The key id is public (it names the key in lists and the audit
/// log); the secret is 32 random bytes. Only the SHA-256 of the whole key is stored: the key has 256 bits of entropy,
/// so a slow password hash would add nothing.
/// </summary>
internal static class ApiKeys
{
    public const string Prefix = "ask_";

    public static (string KeyId, string Key) Mint()
    {
        var keyId = "key" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var key = Prefix + keyId + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (keyId, key);
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The key id of a well-formed key, or <c>null</c>.</summary>
    public static string? KeyIdOf(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length > 128)
        {
            return null;
        }

        var end = key.IndexOf('_', Prefix.Length);
        return end > Prefix.Length ? key[Prefix.Length..end] : null;
    }

    /// <summary>Compares two hex hashes in constant time.</summary>
    public static bool HashEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
