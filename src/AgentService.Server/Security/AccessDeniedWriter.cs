using AgentService.Server.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace AgentService.Server.Security;

/// <summary>Answers a refused request with 401 (no valid credentials) or 403 (valid, but not allowed) in the shape of
/// the API it addressed. The audit middleware records both.</summary>
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
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ErrorResponseWriter.WriteAsync(context, ErrorCode.Unauthenticated,
                failure ?? $"An API key is required: 'Authorization: Bearer <key>' or '{ApiKeyAuthenticationHandler.ApiKeyHeader}: <key>'.");
            return;
        }

        var reason = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).FirstOrDefault();
        AuditTarget.SetDetail(context, reason ?? "role not allowed");
        await ErrorResponseWriter.WriteAsync(context, ErrorCode.Forbidden,
            reason ?? $"This key's role does not allow {context.Request.Method} {context.Request.Path}.");
    }
}
