using AgentService.Server.Storage;

namespace AgentService.Server.Tests;

/// <summary>
/// What an operator reads when the store goes away under load: not one warning per request answered 503, but the first
/// one, then one per 10 s that counts those answered since; the rest at debug level.
/// </summary>
public sealed class UnavailableAnswersTests
{
    private readonly Clock _clock = new();

    [Fact]
    public void TheFirstAnswerWarns_TheNextOnesDoNot_UntilTheIntervalHasPassed_ThenOneWarningCountsThem()
    {
        var answers = new UnavailableAnswers(_clock);

        Assert.True(answers.Record(out var before));
        Assert.Equal(0, before);
        for (var i = 1; i <= 250; i++)
        {
            _clock.Now += TimeSpan.FromMilliseconds(10);
            Assert.False(answers.Record(out before));
            Assert.Equal(i, before);
        }

        _clock.Now += UnavailableAnswers.Interval;
        Assert.True(answers.Record(out before));
        Assert.Equal(250, before);
        Assert.False(answers.Record(out before));
        Assert.Equal(1, before);
    }

    [Fact]
    public void ManyRequestsAtOnce_GetOneWarningBetweenThem()
    {
        var answers = new UnavailableAnswers(_clock);
        var warnings = 0;

        Parallel.For(0, 10_000, _ =>
        {
            if (answers.Record(out _))
            {
                Interlocked.Increment(ref warnings);
            }
        });

        Assert.Equal(1, warnings);
        _clock.Now += UnavailableAnswers.Interval;
        Assert.True(answers.Record(out var before));
        Assert.Equal(9_999, before);
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
