using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>
/// The hot path of auth mode <c>none</c>: a request without any credential is the anonymous admin, whom every policy
/// admits, so it is let through without running the authentication handler and the policy's requirements (they cost a
/// third of a small GET's time). A request that presents a credential (a run token, in any mode) and every request in
/// <c>apikey</c> mode go through the full evaluation.
/// </summary>
internal sealed class NoAuthPolicyEvaluator(PolicyEvaluator inner, IOptions<AuthOptions> options) : IPolicyEvaluator
{
    private static readonly AuthenticateResult Anonymous =
        AuthenticateResult.Success(new AuthenticationTicket(Caller.Anonymous, ApiKeyAuthenticationHandler.SchemeName));

    private readonly bool _none = options.Value.Mode == AuthMode.None;

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        if (_none && !HasCredential(context.Request))
        {
            context.User = Caller.Anonymous;
            return Task.FromResult(Anonymous);
        }

        return inner.AuthenticateAsync(policy, context);
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource) =>
        ReferenceEquals(authenticationResult, Anonymous)
            ? Task.FromResult(PolicyAuthorizationResult.Success())
            : inner.AuthorizeAsync(policy, authenticationResult, context, resource);

    private static bool HasCredential(HttpRequest request) =>
        request.Headers.ContainsKey("Authorization") || request.Headers.ContainsKey(ApiKeyAuthenticationHandler.ApiKeyHeader);
}
