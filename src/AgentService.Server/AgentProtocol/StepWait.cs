using System.Globalization;
using AgentService.Server.Hosting;

namespace AgentService.Server.AgentProtocol;

/// <summary>
/// How long POST step waits for completion: the configured default, or what the request asks for with
/// <c>Prefer: wait=N</c> (RFC 7240; seconds, capped at the configured maximum). An honoured preference is echoed
/// in <c>Preference-Applied</c>; one that is no number of seconds (e.g. <c>wait=NaN</c>) is ignored, as RFC 7240 asks.
/// </summary>
internal static class StepWait
{
    public static TimeSpan Resolve(HttpContext context, AgentServiceOptions options)
    {
        var fallback = TimeSpan.FromSeconds(options.StepWaitSeconds);
        foreach (var header in context.Request.Headers["Prefer"])
        {
            foreach (var preference in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = preference.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0].Equals("wait", StringComparison.OrdinalIgnoreCase)
                    && double.TryParse(parts[1].Trim('"'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
                    && double.IsFinite(seconds))
                {
                    var applied = Math.Min(seconds, options.MaxStepWaitSeconds);
                    context.Response.Headers["Preference-Applied"] = "wait=" + applied.ToString(CultureInfo.InvariantCulture);
                    return TimeSpan.FromSeconds(applied);
                }
            }
        }

        return fallback;
    }
}
