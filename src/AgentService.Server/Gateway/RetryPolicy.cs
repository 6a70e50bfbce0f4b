namespace AgentService.Server.Gateway;

/// <summary>
/// Exponential backoff with jitter for queued pushes: the ceiling of the n-th wait is
/// <c>min(RetryMaxDelay, RetryInitialDelay × 2^(n-1))</c>, and the wait is drawn uniformly from the upper half of it
/// ("equal jitter"), so receivers coming back are not hit by every message at the same instant, yet waits still grow.
/// </summary>
internal static class RetryPolicy
{
    public static TimeSpan Delay(int failedAttempts, GatewayOptions options, Random random)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var ceiling = Math.Min(options.RetryMaxDelay.TotalMilliseconds, options.RetryInitialDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling / 2 + random.NextDouble() * ceiling / 2);
    }
}
