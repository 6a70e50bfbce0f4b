using AgentService.Tests.Common;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>Waits that involve the manual clock.</summary>
public static class Clocks
{
    /// <summary>Waits until the SDK armed a timer for exactly <paramref name="dueAt"/> (it scheduled something then).</summary>
    public static Task WaitForTimerAtAsync(this ManualClock clock, DateTimeOffset dueAt) =>
        Wait.UntilAsync(() => Task.FromResult(clock.TimerDueTimes()), due => due.Contains(dueAt), TimeSpan.FromSeconds(15), $"a timer at {dueAt:O}");

    /// <summary>Moves the clock in small steps (backoff timers run on it) until <paramref name="done"/> holds.</summary>
    public static Task AdvanceUntilAsync(this ManualClock clock, Func<bool> done, string what) =>
        Wait.UntilAsync(() =>
        {
            if (!done())
            {
                clock.Advance(TimeSpan.FromMilliseconds(100));
            }

            return Task.FromResult(done());
        }, d => d, TimeSpan.FromSeconds(15), what);
}
