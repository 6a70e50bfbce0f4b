using AgentService.Server.Observability;

namespace AgentService.Server.Storage;

/// <summary>
/// How a background loop (a sweeper, the outbox dispatcher, the launcher, the PostgreSQL listener) reports its failures
/// while the store is away: the first failed round of an outage once as a warning, the further rounds at debug level,
/// and the first good round after it once, with the count. A loop that retries every second would otherwise write an
/// error a second per loop for as long as the database is down. A failure that is not an outage is the caller's to log,
/// each time, as the error it is. One instance per loop; a loop's rounds do not overlap.
/// </summary>
internal sealed class OutageLog(string work, IStorageHealth storage, ILogger logger)
{
    private int _failedRounds;

    /// <summary>What the loop does, as the log names it.</summary>
    public string Work => work;

    /// <summary>Reports a failed round; false when <paramref name="exception"/> is not the store being away.</summary>
    public bool Failed(Exception exception)
    {
        if (!storage.IsOutage(exception))
        {
            return false;
        }

        if (_failedRounds++ == 0)
        {
            Log.BackgroundWorkPaused(logger, work, exception.Message);
        }
        else
        {
            Log.BackgroundWorkStillPaused(logger, work, _failedRounds, exception.Message);
        }

        return true;
    }

    /// <summary>Reports a good round, which ends an outage this loop saw.</summary>
    public void Succeeded()
    {
        if (_failedRounds > 0)
        {
            Log.BackgroundWorkResumed(logger, work, _failedRounds);
            _failedRounds = 0;
        }
    }
}
