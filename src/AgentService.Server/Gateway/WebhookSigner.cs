using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentService.Protocol.Gateway;

namespace AgentService.Server.Gateway;

/// <summary>
/// Signs a push: <c>v1=</c> + lowercase hex of HMAC-SHA256, keyed with the UTF-8 bytes of the agent's webhook secret,
/// over the ASCII decimal Unix timestamp (seconds), a '.', and the exact body bytes. The receiver recomputes it (see
/// <c>WebhookSignature</c> in AgentService.Client) and rejects timestamps outside its tolerance.
/// </summary>
internal static class WebhookSigner
{
    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var keyBytes = Encoding.UTF8.GetBytes(secret);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keyBytes);
        Span<byte> stamp = stackalloc byte[24];
        timestamp.TryFormat(stamp, out var written, provider: CultureInfo.InvariantCulture);
        hmac.AppendData(stamp[..written]);
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        Span<byte> hash = stackalloc byte[32];
        hmac.GetHashAndReset(hash);
        return GatewayHeaders.SignatureVersion + "=" + Convert.ToHexStringLower(hash);
    }
}
