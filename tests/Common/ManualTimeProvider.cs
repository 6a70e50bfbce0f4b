namespace AgentService.Tests.Common;

/// <summary>
/// A clock a test can move forward: the wall clock plus an offset that <see cref="Advance"/> grows. Only the clock is
/// replaced; timers stay real, so background loops keep running and see the moved time on their next turn.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
