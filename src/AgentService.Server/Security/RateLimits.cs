using System.Globalization;
using System.Threading.RateLimiting;
using AgentService.Server.Errors;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>
/// HTTP rate limits with ASP.NET Core rate limiting: two token buckets chained — one per API key (per run for run
/// tokens, per remote address for unauthenticated callers) and one per agent (authenticated requests only) — answered with a JSON 429 and
/// <c>Retry-After</c>. On by default in <c>apikey</c> mode; health endpoints are never limited. The buckets are
/// <see cref="SharedRateBuckets"/>: with several nodes, their budgets are the cluster's.
/// </summary>
internal static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddSingleton<SharedRateBuckets>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedRateBuckets>());
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, IOptions<AuthOptions>, SharedRateBuckets>((limiter, limits, auth, buckets) =>
        {
            var settings = limits.Value;
            if (!(settings.Enabled ?? auth.Value.Mode == AuthMode.ApiKey))
            {
                return;
            }

            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => KeyPartition(context) is { } key
                    ? buckets.Partition(key)
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(context => AgentPartition(context, auth.Value.Mode) is { } agent
                    ? buckets.Partition(SharedRateBuckets.AgentPrefix + agent)
                    : RateLimitPartition.GetNoLimiter("")));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                AuditTarget.SetDetail(rejected.HttpContext, "rate limited");
                await ErrorResponseWriter.WriteAsync(rejected.HttpContext, ErrorCode.RateLimited, $"Too many requests: retry after {retryAfter} s.");
            };
        });
        return services;
    }

    private static string? KeyPartition(HttpContext context)
    {
        if (IsHealth(context))
        {
            return null;
        }

        var user = context.User;
        return user.KeyId() is { } keyId ? "key:" + keyId
            : user.RunId() is { } runId ? "run:" + runId
            : "addr:" + context.Connection.RemoteIpAddress;
    }

    private static string? AgentPartition(HttpContext context, AuthMode mode)
    {
        // With keys, a request that is not authenticated is limited per address only: it is refused anyway, and
        // counting it against the agent would let anyone without a key spend the agent's budget and lock its real
        // callers out.
        if (IsHealth(context) || (mode == AuthMode.ApiKey && context.User.Identity?.IsAuthenticated != true))
        {
            return null;
        }

        var values = context.Request.RouteValues;
        if ((values["agent_id"] ?? values["agentId"]) is string agent)
        {
            return agent;
        }

        // The unprefixed Agent Protocol routes serve the default agent.
        if (context.Request.Path.StartsWithSegments("/ap"))
        {
            return context.RequestServices.GetRequiredService<Agents.AgentCatalog>().Default.Id;
        }

        // An agent key's own agent (gateway calls carry the agent in the body).
        return context.User.IsInRole(Roles.Agent) ? context.User.FindFirst(Caller.AgentClaim)?.Value : null;
    }

    private static bool IsHealth(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz")
        || context.Request.Path.StartsWithSegments("/gateway/health");
}
