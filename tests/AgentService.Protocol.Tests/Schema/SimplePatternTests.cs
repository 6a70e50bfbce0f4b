using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Protocol.Schema;
using AgentService.Protocol.Schema.Text;
using static AgentService.Protocol.Tests.Schema.SchemaTestHelpers;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>
/// The one-pass matcher for anchored ASCII patterns must agree with the regex engine on every input, and must take
/// only the patterns where one pass without backtracking is exact.
/// </summary>
public sealed class SimplePatternTests
{
    // Every anchored pattern of the protocol's schemas that the matcher takes, plus edge forms of the grammar.
    public static TheoryData<string> Taken =>
    [
        "^run_[0-7][0-9a-hjkmnp-tv-z]{25}$",
        "^[a-z][a-z0-9]{0,19}$",
        "^[a-z][a-z0-9_]{0,63}$",
        "^[a-z][a-z0-9_.-]{0,63}$",
        "^[A-Za-z0-9_.:/-]{1,128}$",
        "^[A-Za-z0-9_-]{1,64}$",
        "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
        "^\\d{3}-?x+$",
        "^a?b*c+d{2,}e{1,3}$",
        "^[-a]b$",
        "^[a-]\\.\\/\\$$",
        "^[\\]\\[]{2}$",
        "^$",
    ];

    // Patterns the matcher must leave to the regex engine: overlapping variable items, groups, alternation,
    // negated classes, non-ASCII, lazy quantifiers, no anchors, '.', \w.
    public static TheoryData<string> Refused =>
    [
        "^[a-z]*[a-z0-9]$",
        "^a{0,3}b?a$",
        "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$",
        "^(a|b)$",
        "^a|b$",
        "^[^a]$",
        "^é$",
        "^a*?$",
        "abc",
        "^abc",
        "abc$",
        "^a.c$",
        "^\\w+$",
        "^abc\\$",
        "^[]$",
    ];

    [Theory]
    [MemberData(nameof(Taken))]
    public void Taken_AgreesWithTheRegexEngineOnEveryInput(string pattern)
    {
        var simple = SimplePattern.TryCreate(pattern);
        Assert.NotNull(simple);
        var regex = new Regex(EcmaRegexTranslator.Translate(pattern), RegexOptions.CultureInvariant);

        foreach (var input in Inputs(pattern))
        {
            var expected = regex.IsMatch(input);
            Assert.True(expected == simple.IsMatch(input.AsSpan()), $"{pattern} on \"{input}\": regex says {expected}");
            Assert.True(expected == simple.IsMatch(Encoding.UTF8.GetBytes(input)), $"{pattern} on UTF-8 \"{input}\": regex says {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refused_IsLeftToTheRegexEngine(string pattern) => Assert.Null(SimplePattern.TryCreate(pattern));

    [Fact]
    public void PatternKeyword_GivesTheSameVerdictsForEscapedAndUnescapedStrings()
    {
        var schema = Compile("""{"type": "string", "pattern": "^run_[0-7][0-9a-hjkmnp-tv-z]{25}$"}""");

        Assert.True(schema.Accepts("\"run_01kjmma2sgepnt9mh6md1smrkw\""));
        Assert.True(schema.Accepts("\"\\u0072un_01kjmma2sgepnt9mh6md1smrkw\"")); // escaped 'r'
        Assert.False(schema.Accepts("\"run_01kjmma2sgepnt9mh6md1smrk\""));
        Assert.False(schema.Accepts("\"run_01kjmma2sgepnt9mh6md1smrkwé\""));
        Assert.False(schema.Accepts("\"run_01kjmma2sgepnt9mh6md1smrk\\u00e9\""));
        Assert.False(schema.Accepts("\"\\ud800\""));
    }

    [Fact]
    public void PropertyNames_RunOnTheMatcher_WithEscapedNames()
    {
        var schema = Compile("""{"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9]{0,19}$"}}""");

        Assert.True(schema.Accepts("""{"runid": 1, "\u0061b": 2}"""));
        Assert.False(schema.Accepts("""{"runId": 1}"""));
        var errors = schema.Validate(Parse("""{"Bad": 1}""")).Errors;
        Assert.Contains(errors, e => e.Message.Contains("does not match the pattern", StringComparison.Ordinal));
    }

    [Fact]
    public void RegexPatterns_RememberOnlyWhatMatched()
    {
        // Not a simple pattern (alternation): the regex runs, and the last accepted string is remembered.
        var schema = Compile("""{"type": "string", "pattern": "^(ab|c)+$"}""");

        foreach (var round in Enumerable.Range(0, 3))
        {
            Assert.True(schema.Accepts("\"abcab\""), $"round {round}");
            Assert.False(schema.Accepts("\"abcabx\""), $"round {round}");
            Assert.False(schema.Accepts("\"abca\""), $"round {round}");
            Assert.True(schema.Accepts("\"\\u0061bc\""), $"round {round}"); // escaped: decoded, never remembered
            Assert.False(schema.Accepts("\"\\u0061bca\""), $"round {round}");
        }
    }

    /// <summary>Strings around the pattern: every prefix length of a matching string, and random strings over
    /// the characters the pattern names, its neighbours, and non-ASCII text (seeded).</summary>
    private static IEnumerable<string> Inputs(string pattern)
    {
        var alphabet = new HashSet<char>("aAzZ09-_./:$[]\\bcdex é💩");
        foreach (var c in pattern.Where(c => c < 128))
        {
            alphabet.Add(c);
            alphabet.Add((char)Math.Min(127, c + 1));
            alphabet.Add((char)Math.Max(32, c - 1));
        }

        var letters = alphabet.ToArray();
        var random = new Random(pattern.Length * 7919);
        yield return string.Empty;
        for (var n = 0; n < 4000; n++)
        {
            var length = random.Next(0, 40);
            var builder = new StringBuilder(length);
            for (var i = 0; i < length; i++)
            {
                builder.Append(letters[random.Next(letters.Length)]);
            }

            yield return builder.ToString();
        }

        // Near misses of real ids and names.
        foreach (var sample in new[] { "run_01kjmma2sgepnt9mh6md1smrkw", "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01", "specversion", "123-xxx", "abccdde", "-b", "a./$", "][", "ab_c.d-e:f/g" })
        {
            for (var i = 0; i <= sample.Length; i++)
            {
                yield return sample[..i];
                yield return sample[..i] + "x";
            }
        }
    }
}
