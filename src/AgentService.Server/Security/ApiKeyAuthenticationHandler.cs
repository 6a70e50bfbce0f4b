using System.Text.Encodings.Web;
using AgentService.Server.Runtime;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>
/// The one authentication scheme. A run token (<c>rt_...</c>) makes the caller its run's runtime, in every mode. In
/// mode <c>none</c> any other caller is an anonymous admin. In mode <c>apikey</c> the key comes from
/// <c>Authorization: Bearer</c> or <c>X-API-Key</c>; none at all is "no result" (the endpoint's policy then answers
/// 401), a wrong, expired or revoked one fails.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    CredentialVerifier verifier,
    IOptions<AuthOptions> authOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    public const string SchemeName = "AgentService";
    public const string ApiKeyHeader = "X-API-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is not null && presented.StartsWith("rt_", StringComparison.Ordinal))
        {
            var runId = await verifier.VerifyRunTokenAsync(presented, Context.RequestAborted);
            return runId is null
                ? Fail("The run token is unknown, or its run has ended.")
                : Success(Caller.Principal($"run:{runId}", Roles.Run, keyId: null, agents: [], runId));
        }

        if (authOptions.Value.Mode == AuthMode.None)
        {
            return Success(Caller.Anonymous);
        }

        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        var (key, storedKeyId) = await verifier.VerifyKeyAsync(presented, Context.RequestAborted);
        if (key is null && storedKeyId is not null)
        {
            AuditTarget.SetActor(Context, $"key:{storedKeyId}");
        }

        return key is null
            ? Fail("The API key is unknown, expired or revoked.")
            : Success(Caller.Principal($"key:{key.KeyId}", key.Role, key.KeyId, key.Agents, runId: null));
    }

    /// <summary>The credential of the request: <c>Authorization: Bearer</c>, else <c>X-API-Key</c>.</summary>
    public static string? Presented(HttpRequest request) =>
        RunTokens.FromHeader(request.Headers.Authorization) ?? (request.Headers[ApiKeyHeader].ToString() is { Length: > 0 } key ? key.Trim() : null);

    /// <summary>Fails, keeping the reason for the 401 body and the audit entry.</summary>
    private AuthenticateResult Fail(string reason)
    {
        AuditTarget.SetDetail(Context, reason);
        return AuthenticateResult.Fail(reason);
    }

    private static AuthenticateResult Success(System.Security.Claims.ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
}
