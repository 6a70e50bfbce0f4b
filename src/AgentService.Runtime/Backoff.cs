namespace AgentService.Runtime;

/// <summary>Jittered exponential backoff between a minimum and a maximum (PROTOCOL.md section 6: 0.5-30 s).</summary>
internal static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        var jittered = (ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2);
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, min.TotalMilliseconds, max.TotalMilliseconds));
    }
}
