using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using AgentService.Server.Observability;
using AgentService.Server.Storage;

namespace AgentService.Server.Security;

/// <summary>
/// Writes one audit entry for every request that tries to change state (any method but GET, HEAD, OPTIONS) and for
/// every refused request (401, 403, 429, and the 404s that hide a refusal), whatever its method: actor, action (method and route template), target
/// (route ids, or what the endpoint named), outcome, status, trace id and remote address. It sits outside the error
/// edge, so it sees the status the client got.
/// </summary>
internal sealed partial class AuditMiddleware(RequestDelegate next, IAuditLog audit, TimeProvider time, ILogger<AuditMiddleware> logger)
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
        var denied = status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests
            || AuditTarget.IsDenied(context);
        var method = Hosting.HeadRequests.MethodAsSent(context);
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
            Log.Denied(logger, method, Redact(context.Request.Path.ToUriComponent()), actor, status);
        }

        // Without a route the action is the path as sent, still percent-encoded: decoded, a '%0A' would put a line
        // break (and a forged entry) into every reader's view of the log.
        audit.Append(new AuditEntry(
            time.GetUtcNow(),
            actor,
            $"{method} {endpoint?.RoutePattern.RawText ?? Redact(Shorten(context.Request.Path.ToUriComponent()))}",
            AuditTarget.Get(context) ?? RouteTarget(context),
            denied ? "denied" : status < 400 ? "success" : "failed",
            status,
            TraceId(context),
            context.Connection.RemoteIpAddress?.ToString(),
            AuditTarget.GetDetail(context) is { } detail ? Redact(detail) : null));
    }

    /// <summary>
    /// The ids in the route, e.g. <c>task_id=...</c>. Route values are meant to be ids, but a caller may paste a
    /// credential where an id goes (a whole API key for its key id): those are redacted, as is anything that is not
    /// printable.
    /// </summary>
    private static string? RouteTarget(HttpContext context)
    {
        StringBuilder? target = null;
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is string text)
            {
                (target ??= new StringBuilder()).Append(target.Length > 0 ? " " : "").Append(name).Append('=').Append(Redact(Shorten(Uri.EscapeDataString(text))));
            }
        }

        return target?.ToString();
    }

    /// <summary>Replaces the secret part of API keys, run tokens and webhook secrets with <c>[redacted]</c>.</summary>
    internal static string Redact(string text) => text.Contains('_', StringComparison.Ordinal) ? Credential().Replace(text, "$1[redacted]") : text;

    [GeneratedRegex("(ask_[A-Za-z0-9]*_|rt_|whsec_)[A-Za-z0-9_-]{16,}")]
    private static partial Regex Credential();

    private static string TraceId(HttpContext context) =>
        Activity.Current?.TraceId.ToString()
        ?? (context.Request.Headers["traceparent"].ToString() is { Length: 55 } traceparent ? traceparent[3..35] : context.TraceIdentifier);

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 200 ? text : text[..200] + "...";
}
