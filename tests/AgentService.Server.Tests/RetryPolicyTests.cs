using AgentService.Server.Gateway;

namespace AgentService.Server.Tests;

public sealed class RetryPolicyTests
{
    private static readonly GatewayOptions Options = new() { RetryInitialDelay = TimeSpan.FromSeconds(1), RetryMaxDelay = TimeSpan.FromSeconds(60) };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(50, 60)]
    public void Delay_GrowsExponentiallyWithJitterInTheUpperHalfUpToTheMaximum(int failedAttempts, double ceilingSeconds)
    {
        var random = new Random(7);
        var delays = Enumerable.Range(0, 200).Select(_ => RetryPolicy.Delay(failedAttempts, Options, random).TotalSeconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, ceilingSeconds / 2, ceilingSeconds));
        Assert.True(delays.Distinct().Count() > 100, "the delays are jittered");
    }
}
