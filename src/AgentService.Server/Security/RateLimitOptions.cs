namespace AgentService.Server.Security;

/// <summary>The <c>AgentService:RateLimits</c> section: token buckets per API key (or per remote address when
/// unauthenticated), per agent, and per runtime connection.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "AgentService:RateLimits";

    /// <summary>Whether HTTP requests are rate limited. Default: on in <c>apikey</c> mode, off in <c>none</c> mode.</summary>
    public bool? Enabled { get; set; }

    /// <summary>The bucket of each API key (or remote address).</summary>
    public TokenBucket PerKey { get; set; } = new() { TokensPerSecond = 200, Burst = 400 };

    /// <summary>The bucket of each agent (the agent of the route, or an agent key's own agent), shared by all its callers.</summary>
    public TokenBucket PerAgent { get; set; } = new() { TokensPerSecond = 500, Burst = 1000 };

    /// <summary>Frames a runtime connection may send per second (always on). Default 1,000/s, burst 2,000.</summary>
    public TokenBucket RuntimeFrames { get; set; } = new() { TokensPerSecond = 1000, Burst = 2000 };

    public sealed class TokenBucket
    {
        /// <summary>Tokens added per second (the sustained rate).</summary>
        public int TokensPerSecond { get; set; }

        /// <summary>The bucket's size: how many requests may come at once after a quiet spell.</summary>
        public int Burst { get; set; }

        internal bool IsValid => TokensPerSecond >= 0 && Burst >= 0;

        /// <summary>The limiter settings of this bucket: refilled every second, no queueing (over the limit is refused).</summary>
        internal System.Threading.RateLimiting.TokenBucketRateLimiterOptions ToLimiterOptions() => new()
        {
            TokenLimit = Math.Max(1, Burst),
            TokensPerPeriod = TokensPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
