namespace AgentService.Server.Security;

/// <summary>How callers prove who they are.</summary>
public enum AuthMode
{
    /// <summary>No credentials: every caller acts as an anonymous admin. For local development on a loopback address.</summary>
    None,

    /// <summary>Every API except the health endpoints needs an API key (<c>Authorization: Bearer</c> or <c>X-API-Key</c>).</summary>
    ApiKey,
}

/// <summary>The <c>AgentService:Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "AgentService:Auth";

    /// <summary><c>none</c> or <c>apikey</c> (<c>--auth</c>). Default <c>none</c>, which the server accepts only on
    /// loopback addresses unless <see cref="AllowNoneOnNetwork"/> is set.</summary>
    public AuthMode Mode { get; set; } = AuthMode.None;

    /// <summary>Start with <c>none</c> on a non-loopback address anyway (<c>--allow-no-auth-on-network true</c>).
    /// Anyone who reaches the port is then an admin. Default false.</summary>
    public bool AllowNoneOnNetwork { get; set; }

    /// <summary>Where the first admin key is written when the server starts in <c>apikey</c> mode with no key in the
    /// store (owner-only permissions; the key is never logged). Default <c>&lt;data-dir&gt;/admin.key</c>.</summary>
    public string? AdminKeyFile { get; set; }

    /// <summary>How long a verified key is trusted before it is read from the store again, so a key revoked on
    /// another node stops working within this time (on the node that revoked it: at once). Default 5 s.</summary>
    public double KeyCacheSeconds { get; set; } = 5;
}
