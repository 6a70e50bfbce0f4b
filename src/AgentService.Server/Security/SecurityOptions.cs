namespace AgentService.Server.Security;

/// <summary>The <c>AgentService:Security</c> section.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "AgentService:Security";

    /// <summary>The key that encrypts secrets at rest: 32 bytes, base64. When absent, the key of
    /// <see cref="SecretKeyFile"/> is used, created on first start with owner-only permissions.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Where the generated key lives. Default <c>&lt;data-dir&gt;/secret.key</c>.</summary>
    public string? SecretKeyFile { get; set; }

    /// <summary>Keys used before a rotation (base64): values under them are still read, and re-encrypted under the
    /// current key at start.</summary>
    public List<string> PreviousSecretKeys { get; set; } = [];
}
