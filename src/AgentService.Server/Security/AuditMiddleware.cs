using System.Diagnostics;
using System.Text;
using AgentService.Server.Observability;
using AgentService.Server.Storage;

namespace AgentService.Server.Security;

/// <summary>
/// Writes one audit entry for every request that tries to change state (any method but GET, HEAD, OPTIONS) and for
/// every refused request (401, 403, 429), whatever its method: actor, action (method and route template), target
/// (route ids, or what the endpoint named), outcome, status, trace id and remote address. It sits outside the error
/// edge, so it sees the status the client got.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, IAuditLog audit, TimeProvider time, ILogger<AuditMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            Record(context);
        }
    }

    private void Record(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var denied = status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests;
        var method = context.Request.Method;
        if (!denied && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)))
        {
            return;
        }

        var endpoint = context.GetEndpoint() as RouteEndpoint;
        if (endpoint is null && !denied)
        {
            // No route matched: nothing could change.
            return;
        }

        var actor = AuditTarget.Actor(context);
        if (denied)
        {
            Log.Denied(logger, method, context.Request.Path, actor, status);
        }

        audit.Append(new AuditEntry(
            time.GetUtcNow(),
            actor,
            $"{method} {endpoint?.RoutePattern.RawText ?? Shorten(context.Request.Path.Value)}",
            AuditTarget.Get(context) ?? RouteTarget(context),
            denied ? "denied" : status < 400 ? "success" : "failed",
            status,
            TraceId(context),
            context.Connection.RemoteIpAddress?.ToString(),
            AuditTarget.GetDetail(context)));
    }

    /// <summary>The ids in the route, e.g. <c>task_id=...</c>; route values are ids, never credentials.</summary>
    private static string? RouteTarget(HttpContext context)
    {
        StringBuilder? target = null;
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is string text)
            {
                (target ??= new StringBuilder()).Append(target.Length > 0 ? " " : "").Append(name).Append('=').Append(Shorten(text));
            }
        }

        return target?.ToString();
    }

    private static string TraceId(HttpContext context) =>
        Activity.Current?.TraceId.ToString()
        ?? (context.Request.Headers["traceparent"].ToString() is { Length: 55 } traceparent ? traceparent[3..35] : context.TraceIdentifier);

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 200 ? text : text[..200] + "...";
}
