using AgentService.Protocol.Schema;
using static AgentService.Protocol.Tests.Schema.SchemaTestHelpers;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>
/// <c>pattern</c> is an ECMA-262 regular expression with the 'u' flag (as in Ajv), searched anywhere in the string.
/// Each case's verdict was checked against Ajv 8 (Ajv2020).
/// </summary>
public sealed class PatternTests
{
    [Theory]
    [InlineData("a+", "xxaxx", true)] // not anchored
    [InlineData("^a+$", "xxaxx", false)]
    [InlineData("^\\d+$", "0123456789", true)]
    [InlineData("^\\d+$", "٣", false)] // ARABIC-INDIC DIGIT THREE: \d is [0-9] only
    [InlineData("^\\D$", "٣", true)]
    [InlineData("^\\w+$", "abc_XYZ_09", true)]
    [InlineData("^\\w+$", "é", false)] // \w is ASCII
    [InlineData("^\\W$", "é", true)]
    [InlineData("^\\s$", "\u00a0", true)] // NO-BREAK SPACE is ECMAScript white space
    [InlineData("^\\s$", "\ufeff", true)] // so is the BOM
    [InlineData("^\\s$", "\u0085", false)] // NEL is not (it is for .NET)
    [InlineData("^\\S$", "\u0085", true)]
    [InlineData("^abc$", "abc\n", false)] // $ is the end, not "before a final newline"
    [InlineData("^abc", "\nabc", false)] // no multiline
    [InlineData("^.$", "\n", false)]
    [InlineData("^.$", "\u2028", false)]
    [InlineData("^.$", "💩", true)] // one code point
    [InlineData("^..$", "💩", false)]
    [InlineData("^💩{2}$", "💩💩", true)] // the quantifier applies to the whole astral character
    [InlineData("^[💩a]$", "💩", true)]
    [InlineData("^[💩a]$", "a", true)]
    [InlineData("^[^a]$", "💩", true)]
    [InlineData("^[^💩]$", "💩", false)]
    [InlineData("^[^💩]$", "x", true)]
    [InlineData("^[\\u{1F600}-\\u{1F64F}]+$", "😀🙏", true)]
    [InlineData("^[\\u{1F600}-\\u{1F64F}]+$", "💩", false)]
    [InlineData("^\\u{1F4A9}$", "💩", true)]
    [InlineData("^\\ud83d\\udca9$", "💩", true)] // an escaped surrogate pair is one code point
    [InlineData("^\\u0041\\x42$", "AB", true)]
    [InlineData("^[\\x21-\\x7E]{1,3}$", "a!~", true)]
    [InlineData("^[\\x21-\\x7E]{1,3}$", "a b", false)]
    [InlineData("^\\p{L}+$", "héllo", true)]
    [InlineData("^\\p{Lu}$", "a", false)]
    [InlineData("^\\P{L}$", "1", true)]
    [InlineData("^[\\p{Nd}]$", "٣", true)]
    [InlineData("^\\p{Letter}$", "ж", true)]
    [InlineData("a\\b", "a b", true)]
    [InlineData("a\\b", "ab", false)]
    [InlineData("a\\B", "ab", true)]
    [InlineData("é\\b", "éa", true)] // é is not an ECMAScript word character: a boundary before 'a' (not so in .NET)
    [InlineData("^[\\b]$", "\b", true)] // backspace inside a class
    [InlineData("^[a-c[]+$", "a[c", true)] // '[' is literal inside a class
    [InlineData("^[^]$", "\n", true)]
    [InlineData("^[]$", "", false)]
    [InlineData("^\\/\\.\\*$", "/.*", true)]
    [InlineData("^(?:ab)+$", "abab", true)]
    [InlineData("^(?<x>a)\\k<x>$", "aa", true)]
    [InlineData("^(a)\\1$", "aa", true)]
    [InlineData("(?<=a)b", "ab", true)]
    [InlineData("(?<!a)b", "ab", false)]
    [InlineData("^\\cJ$", "\n", true)]
    [InlineData("^\\0$", "\0", true)]
    public void Pattern_HasEcmaScriptSemantics(string pattern, string value, bool valid)
    {
        var instance = Parse(System.Text.Json.JsonSerializer.Serialize(value));

        Assert.Equal(valid, PatternSchema(pattern).Validate(instance).IsValid);
    }

    [Theory]
    [InlineData("\\A")] // .NET-only anchors are invalid escapes with the 'u' flag
    [InlineData("\\z")]
    [InlineData("\\q")]
    [InlineData("(?i)a")] // inline options
    [InlineData("(?#comment)")]
    [InlineData("\\p{Script=Greek}")] // not supported: refused, not mis-matched
    [InlineData("[z-a]")]
    [InlineData("\\u{110000}")]
    [InlineData("[a")]
    public void Pattern_OutsideTheSupportedSyntax_FailsCompilation(string pattern) =>
        Assert.Throws<JsonSchemaException>(() => PatternSchema(pattern));

    [Fact]
    public void Pattern_UnpairedSurrogateInTheInstance_IsAnErrorNotACrash()
    {
        var schema = Compile("""{"pattern": "^a"}""");

        var result = schema.Validate("\"a\\ud800\"");

        Assert.False(result.IsValid);
        Assert.Contains("Unicode", result.BestMatch!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pattern_LongInputIsMatchedInLinearTime()
    {
        // Nested quantifiers that make a backtracking engine explode on a near-miss (tracestate-like).
        var schema = Compile("""{"pattern": "^([a-z]+,?)+$"}""");
        var input = "\"" + new string('a', 100_000) + "!\"";

        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(schema.Accepts(input));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    private static JsonSchema PatternSchema(string pattern)
    {
        var document = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["$id"] = TestBase + "p.json", ["pattern"] = pattern });
        return JsonSchemaSet.FromDocuments([Parse(document)]).GetSchema(TestBase + "p.json");
    }
}
