using AgentService.Protocol.Schema.Keywords;
using static AgentService.Protocol.Tests.Schema.SchemaTestHelpers;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>
/// An allOf of if/then branches on one property's const compiles to a lookup; its verdicts, errors and error
/// locations must be those of the plain allOf (the same schema with one member that defeats the optimization).
/// </summary>
public sealed class DiscriminatorAllOfTests
{
    private const string Branches = """
        {"if": {"properties": {"type": {"const": "a"}}, "required": ["type"]}, "then": {"required": ["x"], "properties": {"x": {"type": "integer"}}}},
        {"if": {"properties": {"type": {"const": "b"}}, "required": ["type"]}, "then": {"properties": {"x": {"type": "string"}}}},
        {"required": ["type"]},
        {"if": {"properties": {"type": {"const": "a"}}, "required": ["type"]}, "then": {"properties": {"x": {"minimum": 0}}}},
        {"if": {"properties": {"type": {"const": "\u00e9"}}, "required": ["type"]}, "then": {"type": "object", "required": ["y"]}},
        {"if": {"properties": {"type": {"const": "c"}}, "required": ["type"]}, "then": false}
        """;

    // A member of another shape, evaluated as usual between the branches.
    private const string OtherMember = """,{"if": {"properties": {"never": {"const": 1}}, "required": ["never"]}, "then": true, "else": {"not": {"required": ["z"]}}}""";

    public static TheoryData<string> Instances =>
    [
        """{"type": "a", "x": 1}""",
        """{"type": "a", "x": -1}""",
        """{"type": "a", "x": "s"}""",
        """{"type": "a"}""",
        """{"type": "b", "x": "s"}""",
        """{"type": "b", "x": 1}""",
        """{"type": "c"}""",
        """{"type": "d", "x": []}""",
        """{"type": 5}""",
        """{"type": "\u00e9"}""",
        """{"type": "\u00e9", "y": 0}""",
        """{"type": "\ud800"}""",
        """{"x": 1}""",
        """{"type": "a", "x": 1, "z": true}""",
        """{"type": "a", "type": "b", "x": "s"}""",
        "[1, 2]",
        "\"a\"",
        "null",
    ];

    [Theory]
    [MemberData(nameof(Instances))]
    public void Verdicts_Errors_AndLocations_AreThoseOfThePlainAllOf(string instance)
    {
        var fast = Compile($$"""{"allOf": [{{Branches}}{{OtherMember}}]}""");

        // An annotation beside a const changes nothing but the shape: the plain allOf evaluates every condition.
        var plain = Compile($$"""{"allOf": [{{Branches.Replace("\"const\": ", "\"description\": \"plain\", \"const\": ", StringComparison.Ordinal)}}{{OtherMember}}]}""");
        Assert.IsType<DiscriminatorAllOfKeyword>(Assert.Single(fast.Root.Keywords));
        Assert.IsType<AllOfKeyword>(Assert.Single(plain.Root.Keywords));
        var element = Parse(instance);

        Assert.Equal(plain.IsValid(element), fast.IsValid(element));
        static string Describe(AgentService.Protocol.Schema.SchemaValidationError e) => $"{e.InstanceLocation} {e.KeywordLocation} {e.Message}";
        Assert.Equal(plain.Validate(element).Errors.Select(Describe), fast.Validate(element).Errors.Select(Describe));
    }

    [Fact]
    public void OutputEvents_StillGetTheirTypesDataSchema()
    {
        var schema = AgentService.Protocol.Schema.RuntimeProtocolSchemas.Set.GetSchema(AgentService.Protocol.Schema.RuntimeProtocolSchemas.OutputEvent);
        var valid = Parse("""{"specversion":"1.0","id":"evt_01kjmmagqeepdar5qt3em20gng","type":"log.emitted","source":"/runs/run_01kjmma2sgepnt9mh6md1smrkw/attempts/att_01kjmma4rbeqds72rv88rrnbyv","time":"2026-03-01T12:00:00.000Z","runid":"run_01kjmma2sgepnt9mh6md1smrkw","attemptid":"att_01kjmma4rbeqds72rv88rrnbyv","seq":1,"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01","data":{"level":"info","message":"hi"}}""");
        Assert.True(schema.IsValid(valid));

        var badData = Parse(valid.GetRawText().Replace("\"level\":\"info\"", "\"level\":5", StringComparison.Ordinal));
        var error = Assert.Single(schema.Validate(badData).Errors, e => e.InstanceLocation == "/data/level");
        Assert.Contains("/then/", error.KeywordLocation, StringComparison.Ordinal);
    }
}
