using AgentService.Server.Storage;
using Microsoft.Extensions.Logging;

namespace AgentService.Server.Tests;

/// <summary>
/// What an operator reads while the store is away: a background loop that retries every second reports the outage once
/// as a warning and its end once, not an error per round; a failure that is not an outage is left to the loop to report.
/// </summary>
public sealed class OutageLogTests
{
    private readonly RecordingLogger _logger = new();
    private readonly OutageLog _log;

    public OutageLogTests() => _log = new OutageLog("the test sweep", new TimeoutsAreOutages(), _logger);

    [Fact]
    public void AnOutage_IsOneWarning_ThenDebugLines_ThenOneLineWhenItEnds()
    {
        Assert.True(_log.Failed(new TimeoutException("no connection")));
        Assert.True(_log.Failed(new TimeoutException("no connection")));
        Assert.True(_log.Failed(new TimeoutException("no connection")));
        _log.Succeeded();
        _log.Succeeded();

        Assert.Equal(
            [
                (LogLevel.Warning, 1004, "The store is unavailable: the test sweep waits for it, retrying (no connection)"),
                (LogLevel.Debug, 1005, "The store is still unavailable: the test sweep has failed 2 rounds (no connection)"),
                (LogLevel.Debug, 1005, "The store is still unavailable: the test sweep has failed 3 rounds (no connection)"),
                (LogLevel.Information, 1006, "The store is back: the test sweep resumed after 3 failed rounds"),
            ],
            _logger.Lines);
    }

    [Fact]
    public void ASecondOutage_IsReportedAgain()
    {
        _log.Failed(new TimeoutException("first"));
        _log.Succeeded();
        _log.Failed(new TimeoutException("second"));

        Assert.Equal([1004, 1006, 1004], _logger.Lines.Select(l => l.Id));
        Assert.EndsWith("(second)", _logger.Lines[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailureThatIsNotAnOutage_IsLeftToTheCaller_AndEndsNothing()
    {
        Assert.False(_log.Failed(new InvalidOperationException("a defect")));
        _log.Succeeded();

        Assert.Empty(_logger.Lines);
    }

    private sealed class TimeoutsAreOutages : IStorageHealth
    {
        public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public bool IsOutage(Exception exception) => exception is TimeoutException;
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, int Id, string Message)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
