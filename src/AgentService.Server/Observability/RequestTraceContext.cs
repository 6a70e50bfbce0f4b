using System.Text.RegularExpressions;

namespace AgentService.Server.Observability;

/// <summary>
/// The W3C <c>traceparent</c> of the HTTP request being served: a valid one sent by the client is kept as is, so the
/// run it creates, the deliveries it writes and the events the runtime answers with all carry the client's trace id;
/// without one (or with a malformed one) a new sampled context is minted for the request.
/// </summary>
internal static partial class RequestTraceContext
{
    private static readonly AsyncLocal<string?> Current = new();

    /// <summary>The request's traceparent, or a new one outside a request.</summary>
    public static string CurrentOrNew() => Current.Value ?? Runtime.RuntimeSession.NewTraceparent();

    /// <summary>Middleware: reads the request's traceparent (or mints one) for everything the request writes.</summary>
    public static Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var header = context.Request.Headers["traceparent"].ToString();
        Current.Value = IsValid(header) ? header.ToLowerInvariant() : Runtime.RuntimeSession.NewTraceparent();
        return next();
    }

    /// <summary>Version 00 traceparent with a non-zero trace id and parent id (W3C Trace Context §3.2).</summary>
    public static bool IsValid(string? traceparent) =>
        traceparent is { Length: 55 } && Format().IsMatch(traceparent)
        && traceparent.AsSpan(3, 32).IndexOfAnyExcept('0') >= 0 && traceparent.AsSpan(36, 16).IndexOfAnyExcept('0') >= 0;

    [GeneratedRegex("^00-[0-9a-fA-F]{32}-[0-9a-fA-F]{16}-[0-9a-fA-F]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
