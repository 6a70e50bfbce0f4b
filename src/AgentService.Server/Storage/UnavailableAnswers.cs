namespace AgentService.Server.Storage;

/// <summary>
/// How requests (or runtime commands) answered "unavailable" while the store is away are logged: the first as a
/// warning, then at most one warning per <see cref="Interval"/>, which counts the answers given since the one before;
/// those in between at debug level. Under load an outage would otherwise write one warning per request. Thread-safe:
/// one instance per kind of answer, shared by every request of that kind.
/// </summary>
internal sealed class UnavailableAnswers(TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private DateTimeOffset _nextWarning = DateTimeOffset.MinValue;
    private long _sinceWarning;

    /// <summary>Records one answer. True when it is to be logged as a warning, with <paramref name="before"/> the
    /// answers given since the previous warning; false (debug level) otherwise.</summary>
    public bool Record(out long before)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (now >= _nextWarning)
            {
                before = _sinceWarning;
                _sinceWarning = 0;
                _nextWarning = now + Interval;
                return true;
            }

            before = ++_sinceWarning;
            return false;
        }
    }
}
