using AgentService.Server.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace AgentService.Server.Security;

/// <summary>Answers a refused request with 401 (no valid credentials) or 403 (valid, but not allowed) in the shape of
/// the API it addressed, or 404 where a 403 would reveal that what the request named exists
/// (<see cref="HiddenResourceReason"/>). The audit middleware records all of them as denied.</summary>
internal sealed class AccessDeniedWriter : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        if (authorizeResult.Challenged)
        {
            var failure = AuditTarget.GetDetail(context);
            await ErrorResponseWriter.WriteAsync(context, ErrorCode.Unauthenticated,
                failure ?? $"An API key is required: 'Authorization: Bearer <key>' or '{ApiKeyAuthenticationHandler.ApiKeyHeader}: <key>'.");
            return;
        }

        // The role first: a key whose role the endpoint does not take is told so, whatever agent or run it named (an
        // agent key on the Agent Protocol is refused for its role, not for the agent). Then the scope's own reason.
        var roles = policy.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).ToList();
        var role = context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value;

        // The reason goes into the audit log, which keeps it for good: a credential pasted into the path (a whole key
        // where its id goes) is redacted there as everywhere else.
        var roleRefused = roles.Count > 0 && !roles.Any(context.User.IsInRole);
        var scope = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault();
        var reason = AuditMiddleware.Redact(roleRefused
            ? $"This key's role ({RoleName(role)}) cannot use {context.Request.Method} {context.Request.Path}; it takes {string.Join(" or ", roles.Select(RoleName))}."
            : scope?.Message ?? $"This key's role ({RoleName(role)}) does not allow {context.Request.Method} {context.Request.Path}.");
        AuditTarget.SetDetail(context, reason);
        if (!roleRefused && scope is HiddenResourceReason hidden)
        {
            AuditTarget.SetDenied(context);
            await ErrorResponseWriter.WriteAsync(context, ErrorCode.NotFound, hidden.PublicMessage);
            return;
        }

        await ErrorResponseWriter.WriteAsync(context, ErrorCode.Forbidden, reason);
    }

    /// <summary>A role as a caller knows it: a run token's role is its run's token.</summary>
    private static string RoleName(string? role) => role == Roles.Run ? "run token" : role ?? "none";
}
