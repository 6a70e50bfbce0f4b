using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AgentService.Server.Observability;

/// <summary>
/// The W3C <c>traceparent</c> of the HTTP request being served: a valid one sent by the client is kept as is, so the
/// run it creates, the deliveries it writes and the events the runtime answers with all carry the client's trace id;
/// without one (or with a malformed one) a new sampled context is minted for the request, when it first needs one (a
/// request that writes nothing traced mints none).
/// </summary>
internal static partial class RequestTraceContext
{
    private static readonly AsyncLocal<Holder?> Current = new();

    /// <summary>The request's traceparent (the same for everything it writes), or a new one outside a request.</summary>
    public static string CurrentOrNew() => Current.Value?.Get() ?? Runtime.RuntimeSession.NewTraceparent();

    /// <summary>Middleware: keeps the request's valid traceparent for everything the request writes. When the host
    /// exports traces (<paramref name="tracing"/>) that is the request's own span, a child of the client's, so the run,
    /// its deliveries and the runtime's spans hang below the request in the trace.</summary>
    public static Task InvokeAsync(HttpContext context, Func<Task> next, bool tracing)
    {
        if (tracing && RequestSpan() is { } span)
        {
            Current.Value = new Holder(span.Id);
            return next();
        }

        var header = context.Request.Headers["traceparent"].ToString();
        Current.Value = new Holder(IsValid(header) ? header.ToLowerInvariant() : null);
        return next();
    }

    /// <summary>Middleware (outermost, when the host exports traces): names ASP.NET Core's span of the request after its
    /// route (<c>POST /ap/v1/agent/tasks/{task_id}/steps</c>) and records the status the client got. The raw path is
    /// not recorded: a path may carry a credential (<c>DELETE /v1/keys/{key}</c>).</summary>
    public static async Task DescribeSpanAsync(HttpContext context, Func<Task> next)
    {
        var span = RequestSpan();
        try
        {
            await next();
        }
        catch
        {
            span?.SetStatus(ActivityStatusCode.Error);
            throw;
        }
        finally
        {
            if (span is not null)
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
                span.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
                span.SetTag("http.request.method", context.Request.Method);
                span.SetTag("http.route", route);

                // Whatever else put the raw target on the span goes: its path or query may hold a credential.
                foreach (var raw in (string[])["url.path", "url.query", "url.full", "http.target", "http.url"])
                {
                    span.SetTag(raw, null);
                }

                span.SetTag("http.response.status_code", context.Response.StatusCode);
                if (context.Response.StatusCode >= 500)
                {
                    span.SetStatus(ActivityStatusCode.Error);
                }
            }
        }
    }

    /// <summary>ASP.NET Core's span of the current request, when a tracer listens to it.</summary>
    private static Activity? RequestSpan() =>
        Activity.Current is { Source.Name: "Microsoft.AspNetCore", IdFormat: ActivityIdFormat.W3C } span ? span : null;

    /// <summary>Version 00 traceparent with a non-zero trace id and parent id (W3C Trace Context §3.2).</summary>
    public static bool IsValid(string? traceparent) =>
        traceparent is { Length: 55 } && Format().IsMatch(traceparent)
        && traceparent.AsSpan(3, 32).IndexOfAnyExcept('0') >= 0 && traceparent.AsSpan(36, 16).IndexOfAnyExcept('0') >= 0;

    /// <summary>Shared by the request's async flow, so a traceparent minted late is the one all its writes see.</summary>
    private sealed class Holder(string? traceparent)
    {
        private string? _traceparent = traceparent;

        public string Get()
        {
            if (Volatile.Read(ref _traceparent) is { } known)
            {
                return known;
            }

            Interlocked.CompareExchange(ref _traceparent, Runtime.RuntimeSession.NewTraceparent(), null);
            return _traceparent!;
        }
    }

    [GeneratedRegex("^00-[0-9a-fA-F]{32}-[0-9a-fA-F]{16}-[0-9a-fA-F]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
