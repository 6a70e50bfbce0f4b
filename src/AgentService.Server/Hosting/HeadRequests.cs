namespace AgentService.Server.Hosting;

/// <summary>
/// <c>HEAD</c> wherever <c>GET</c> is served (RFC 9110 §9.3.2: health probes, download tools and caches ask for the
/// headers alone): the request is routed as the <c>GET</c> it stands for, and Kestrel, which knows the request line
/// said <c>HEAD</c>, sends the status and headers (<c>Content-Length</c> included) without the body. Event streams
/// (<c>text/event-stream</c>) are left out: their GET never ends, so their HEAD stays a <c>405</c>.
/// </summary>
internal static class HeadRequests
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsHead(context.Request.Method) && !IsEventStream(context.Request))
        {
            context.Request.Method = HttpMethods.Get;
            context.Items[AnsweredAsGet] = true;
        }

        return next(context);
    }

    private static readonly object AnsweredAsGet = new();

    /// <summary>On a <c>405</c>, lists <c>HEAD</c> in <c>Allow</c> beside the <c>GET</c> routing put there, since this
    /// serves it (RFC 9110 §10.2.1: <c>Allow</c> lists the methods the resource supports).</summary>
    public static void AdvertiseHead(HttpContext context)
    {
        var allow = context.Response.Headers.Allow.ToString();
        var methods = allow.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase) && !methods.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase)
            && !IsEventStream(context.Request))
        {
            context.Response.Headers.Allow = $"{allow}, {HttpMethods.Head}";
        }
    }

    /// <summary>The method the client sent (<c>HEAD</c> where this routed it as <c>GET</c>), for the audit log.</summary>
    public static string MethodAsSent(HttpContext context) => context.Items.ContainsKey(AnsweredAsGet) ? HttpMethods.Head : context.Request.Method;

    /// <summary>A run's stream (<c>/v1/runs/{id}/stream</c>) or a task's (<c>.../ap/v1/agent/tasks/{id}/events</c>;
    /// <c>/v1/runs/{id}/events</c> is a JSON page, not a stream), or anything asked for as a stream.</summary>
    private static bool IsEventStream(HttpRequest request) =>
        request.Path.Value is { } path && (path.EndsWith("/stream", StringComparison.Ordinal)
            || (path.EndsWith("/events", StringComparison.Ordinal) && path.Contains("/ap/v1/agent/tasks/", StringComparison.Ordinal)))
        || request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
}
