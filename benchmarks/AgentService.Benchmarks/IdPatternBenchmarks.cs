using System.Text;
using System.Text.RegularExpressions;
using AgentService.Protocol.Schema.Text;
using BenchmarkDotNet.Attributes;

namespace AgentService.Benchmarks;

/// <summary>
/// Checking a run id against the schema's <c>pattern</c> (<c>^run_[0-7][0-9a-hjkmnp-tv-z]{25}$</c>), which every
/// event of every batch carries several times: the one-pass matcher on the id's UTF-8 bytes (as <c>System.Text.Json</c>
/// holds them) that the schema compiler uses for such anchored ASCII patterns, against .NET's compiled
/// <see cref="Regex"/>, which needs the value decoded to a string first (the baseline: what a validator over
/// <c>JsonElement</c> does with a pattern). The third row is the regex alone, on a string decoded beforehand.
/// </summary>
[MemoryDiagnoser]
public class IdPatternBenchmarks
{
    private const string Pattern = "^run_[0-7][0-9a-hjkmnp-tv-z]{25}$";
    private const string Id = "run_01kjmma2sgepnt9mh6md1smrkw";

    private readonly Regex _regex = new(Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private readonly SimplePattern _simple = SimplePattern.TryCreate(Pattern) ?? throw new InvalidOperationException("not a simple pattern");
    private readonly byte[] _utf8 = Encoding.UTF8.GetBytes(Id);

    [Benchmark(Baseline = true, Description = "decode UTF-8, compiled Regex")]
    public bool DecodeThenRegex() => _regex.IsMatch(Encoding.UTF8.GetString(_utf8));

    [Benchmark(Description = "one-pass matcher on UTF-8 (the service)")]
    public bool OnePassMatcher() => _simple.IsMatch(_utf8);

    [Benchmark(Description = "compiled Regex, string already decoded")]
    public bool RegexOnString() => _regex.IsMatch(Id);
}
