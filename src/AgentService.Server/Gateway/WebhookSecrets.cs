using System.Buffers.Text;
using System.Security.Cryptography;

namespace AgentService.Server.Gateway;

/// <summary>Mints webhook secrets: <c>whsec_</c> + 32 random bytes in base64url. The HMAC key is the whole string's UTF-8 bytes.</summary>
internal static class WebhookSecrets
{
    public const string Prefix = "whsec_";

    public static string New() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
