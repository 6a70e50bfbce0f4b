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

    /// <summary>Middleware: keeps the request's valid traceparent for everything the request writes.</summary>
    public static Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var header = context.Request.Headers["traceparent"].ToString();
        Current.Value = new Holder(IsValid(header) ? header.ToLowerInvariant() : null);
        return next();
    }

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
