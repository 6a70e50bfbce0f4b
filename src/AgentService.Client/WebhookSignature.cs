using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentService.Protocol.Gateway;

namespace AgentService.Client;

/// <summary>
/// Verifies (and computes) the signature of the gateway's webhook pushes. A push carries
/// <c>X-AgentService-Timestamp: &lt;unix seconds&gt;</c> and <c>X-AgentService-Signature: v1=&lt;hex&gt;</c>, where hex is the
/// lowercase HMAC-SHA256, keyed with the UTF-8 bytes of the agent's webhook secret, of
/// <c>timestamp + "." + body</c> (the exact body bytes received). A push is genuine when a <c>v1</c> value matches
/// (compared in constant time) and the timestamp is within the tolerance of the receiver's clock; drop repeats by the
/// <c>Idempotency-Key</c> header (the message id).
/// </summary>
public static class WebhookSignature
{
    /// <summary>The tolerance the documentation recommends: 5 minutes either way.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The signature header value for <paramref name="body"/> signed at <paramref name="timestamp"/> (Unix seconds).</summary>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return GatewayHeaders.SignatureVersion + "=" + Convert.ToHexStringLower(Hash(secret, timestamp.ToString(CultureInfo.InvariantCulture), body));
    }

    /// <summary>True when the push is signed with <paramref name="secret"/> and its timestamp is within
    /// <paramref name="tolerance"/> of <paramref name="now"/>. See <see cref="Check"/> for the reason of a refusal.</summary>
    public static bool Verify(string secret, string? timestampHeader, ReadOnlySpan<byte> body, string? signatureHeader, DateTimeOffset now, TimeSpan tolerance) =>
        Check(secret, timestampHeader, body, signatureHeader, now, tolerance) == WebhookSignatureResult.Valid;

    /// <summary>Checks a push: the header values as received, the raw body, the receiver's clock and the tolerance.</summary>
    public static WebhookSignatureResult Check(string secret, string? timestampHeader, ReadOnlySpan<byte> body, string? signatureHeader, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (string.IsNullOrWhiteSpace(timestampHeader) || string.IsNullOrWhiteSpace(signatureHeader))
        {
            return WebhookSignatureResult.MissingHeader;
        }

        var stamp = timestampHeader.Trim();
        if (stamp.Length > 18 || !long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookSignatureResult.MalformedTimestamp;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return WebhookSignatureResult.OutsideTolerance;
        }

        var expected = Hash(secret, stamp, body);
        Span<byte> candidate = stackalloc byte[32];
        foreach (var entry in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0 || !entry.AsSpan(0, equals).Equals(GatewayHeaders.SignatureVersion, StringComparison.Ordinal))
            {
                continue;
            }

            var hex = entry.AsSpan(equals + 1);
            if (hex.Length == 64 && Convert.FromHexString(hex, candidate, out _, out var written) == System.Buffers.OperationStatus.Done
                && written == 32 && CryptographicOperations.FixedTimeEquals(candidate, expected))
            {
                return WebhookSignatureResult.Valid;
            }
        }

        return WebhookSignatureResult.Mismatch;
    }

    private static byte[] Hash(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp));
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
