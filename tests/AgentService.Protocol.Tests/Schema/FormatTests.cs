using static AgentService.Protocol.Tests.Schema.SchemaTestHelpers;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>
/// The formats the schemas use, asserted (as Ajv with ajv-formats and python-jsonschema's FormatChecker do). The
/// verdicts agree with Ajv 8 + ajv-formats except the cases marked "(Ajv accepts)", where the RFC grammar is
/// followed and Ajv's regexes are looser.
/// </summary>
public sealed class FormatTests
{
    [Theory]
    [InlineData("2026-03-01T12:34:56Z", true)]
    [InlineData("2026-03-01T12:34:56.789123456Z", true)]
    [InlineData("1963-06-19t08:30:06.283185z", true)] // T and Z are case-insensitive
    [InlineData("2026-03-01T12:34:56+05:30", true)]
    [InlineData("2026-03-01T12:34:56-00:00", true)]
    [InlineData("2024-02-29T00:00:00Z", true)] // leap year
    [InlineData("2023-02-29T00:00:00Z", false)]
    [InlineData("1900-02-29T00:00:00Z", false)] // not a leap year
    [InlineData("2000-02-29T00:00:00Z", true)]
    [InlineData("2026-04-31T00:00:00Z", false)]
    [InlineData("2026-13-01T00:00:00Z", false)]
    [InlineData("2026-00-01T00:00:00Z", false)]
    [InlineData("2026-03-01T24:00:00Z", false)]
    [InlineData("2026-03-01T12:60:00Z", false)]
    [InlineData("1998-12-31T23:59:60Z", true)] // leap second at the end of a UTC day
    [InlineData("1998-12-31T15:59:60.123-08:00", true)] // the same instant with an offset
    [InlineData("1998-12-31T23:58:60Z", false)]
    [InlineData("1998-12-31T22:59:60Z", false)]
    [InlineData("1998-12-31T23:59:61Z", false)]
    [InlineData("2026-03-01T12:34:56", false)] // an offset is required
    [InlineData("2026-03-01T12:34:56.Z", false)]
    [InlineData("2026-03-01T12:34:56+24:00", false)]
    [InlineData("2026-03-01T12:34:56+0530", false)] // time-numoffset needs the colon (Ajv accepts)
    [InlineData("2026-03-01", false)]
    [InlineData("2026-3-01T12:34:56Z", false)]
    [InlineData("2026-03-1٣T12:34:56Z", false)] // non-ASCII digit
    [InlineData("2026-03-01T12:34:56ZZ", false)]
    public void DateTime_IsRfc3339(string value, bool valid) =>
        Assert.Equal(valid, Compile("""{"format": "date-time"}""").Accepts(Quote(value)));

    [Theory]
    [InlineData("https://agent-service.spec/v1/schemas/wire/frame.json", true)]
    [InlineData("http://user:pw@example.com:8080/a/b?q=1&r=%20#frag", true)]
    [InlineData("urn:oasis:names:specification:docbook:dtd:xml:4.1.2", true)]
    [InlineData("mailto:someone@example.com", true)]
    [InlineData("ldap://[2001:db8::7]/c=GB?objectClass?one", true)]
    [InlineData("file:///etc/hosts", true)]
    [InlineData("/runs/run_1/artifacts/a", false)] // relative: not a URI
    [InlineData("//example.com/a", false)]
    [InlineData("abc", false)]
    [InlineData("http://exa mple.com", false)]
    [InlineData("http://example.com/%zz", false)]
    [InlineData("http://[::1/", false)]
    [InlineData("http://example.com:80a/", false)] // port = *DIGIT (Ajv accepts)
    [InlineData("bar,baz:foo", false)]
    [InlineData("http://example.com/ü", false)] // an IRI, not a URI
    [InlineData("\\\\WINDOWS\\share", false)]
    public void Uri_IsAnAbsoluteRfc3986Uri(string value, bool valid) =>
        Assert.Equal(valid, Compile("""{"format": "uri"}""").Accepts(Quote(value)));

    [Theory]
    [InlineData("/runs/run_01/artifacts/art_01/versions/1", true)]
    [InlineData("//example.com/a?b#c", true)]
    [InlineData("abc", true)]
    [InlineData("#fragment", true)]
    [InlineData("", true)]
    [InlineData("https://example.com/x", true)]
    [InlineData("a:b/c", true)] // a scheme 'a'
    [InlineData("1a:b", false)] // not a scheme, and ':' in the first segment of a relative path (Ajv accepts)
    [InlineData("#frag\\ment", false)]
    [InlineData("a b", false)]
    [InlineData("/a#b#c", false)]
    public void UriReference_IsAUriOrARelativeReference(string value, bool valid) =>
        Assert.Equal(valid, Compile("""{"format": "uri-reference"}""").Accepts(Quote(value)));

    [Fact]
    public void Formats_OnlyConstrainStrings()
    {
        var schema = Compile("""{"format": "date-time"}""");

        Assert.True(schema.Accepts("12"));
        Assert.True(schema.Accepts("null"));
    }

    [Fact]
    public void UnknownFormat_IsAnAnnotation() => Assert.True(Compile("""{"format": "no-such-format"}""").Accepts("\"anything\""));

    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
