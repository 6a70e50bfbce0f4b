using AgentService.Protocol.Schema;
using static AgentService.Protocol.Tests.Schema.SchemaTestHelpers;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>Where errors point, which one comes first, and what they say.</summary>
public sealed class ErrorReportingTests
{
    [Fact]
    public void AttachCommand_WithBadRunId_PointsAtParamsRunId()
    {
        var frame = Parse("""
            {"jsonrpc": "2.0", "id": 1, "method": "runtime.connection.attach.command",
             "params": {"runId": "run_123", "runtimeInstanceId": "rti_1", "protocolVersion": "v1",
                        "sdkCapabilities": [{"surface": "core", "name": "input.receive", "supportLevel": "native"}]}}
            """);

        var result = RuntimeProtocolSchemas.ValidateFrame(frame, "runtime.connection.attach.command");

        Assert.False(result.IsValid);
        var best = result.BestMatch!;
        Assert.Equal("/params/runId", best.InstanceLocation);
        Assert.Equal("pattern", best.Keyword);
        Assert.Equal(RuntimeProtocolSchemas.BaseUri + "common/identity.json#/$defs/runId/pattern", best.AbsoluteKeywordLocation);
        Assert.EndsWith("/properties/runId/$ref/pattern", best.KeywordLocation, StringComparison.Ordinal);
        Assert.DoesNotContain("run_123", best.Message, StringComparison.Ordinal); // instance values are never echoed
        Assert.Single(result.Errors.Select(e => (e.InstanceLocation, e.AbsoluteKeywordLocation)).Distinct());
    }

    [Fact]
    public void ToErrorDetails_DescribesTheBestMatch()
    {
        var frame = Parse("""{"jsonrpc": "2.0", "id": "a", "method": "runtime.connection.kv.get.command", "params": {"runtimeConnectionId": "rtc_01kjmma7k7epeb589sh31d026w", "runId": "run_01kjmma2sgepnt9mh6md1smrkw"}}""");

        var details = RuntimeProtocolSchemas.ValidateFrame(frame, "runtime.connection.kv.get.command").ToErrorDetails();

        Assert.Equal("/params", details.GetProperty("pointer").GetString());
        Assert.Equal("required", details.GetProperty("keyword").GetString());
        Assert.Equal("required property 'keys' is missing", details.GetProperty("message").GetString());
        Assert.Equal(RuntimeProtocolSchemas.BaseUri + "commands/runtime-connection.json#/$defs/GetKVCommand/required", details.GetProperty("schemaLocation").GetString());
        Assert.Equal(1, details.GetProperty("errorCount").GetInt32());
        var only = Assert.Single(details.GetProperty("errors").EnumerateArray()); // wire/frame.json: [{pointer, message}]
        Assert.Equal(["pointer", "message"], only.EnumerateObject().Select(p => p.Name));
        Assert.Equal("/params", only.GetProperty("pointer").GetString());
        Assert.Equal("required property 'keys' is missing", only.GetProperty("message").GetString());
        Assert.Throws<InvalidOperationException>(() => SchemaValidationResult.Valid.ToErrorDetails());
    }

    [Fact]
    public void SecretValues_AreNotQuotedInMessages()
    {
        var frame = Parse("""{"jsonrpc": "2.0", "id": 9, "result": {"secrets": {"API_KEY": 12345678}}}""");

        var result = RuntimeProtocolSchemas.ValidateFrame(frame, "runtime.connection.secrets.get.reply");

        Assert.Equal("/result/secrets/API_KEY", result.BestMatch!.InstanceLocation);
        Assert.All(result.Errors, e => Assert.DoesNotContain("12345678", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a/b", "/a~1b")]
    [InlineData("m~n", "/m~0n")]
    [InlineData("~/", "/~0~1")]
    [InlineData("", "/")]
    [InlineData("x y", "/x y")]
    public void InstanceLocation_EscapesPointerTokens(string name, string location)
    {
        var schema = Compile("""{"additionalProperties": {"type": "integer"}}""");
        var instance = "{" + System.Text.Json.JsonSerializer.Serialize(name) + ": \"not an integer\"}";

        Assert.Equal(location, schema.Validate(instance).BestMatch!.InstanceLocation);
    }

    [Fact]
    public void KeywordLocation_EscapesPointerTokens()
    {
        var error = Compile("""{"properties": {"a/b": {"type": "integer"}}}""").Validate("""{"a/b": "x"}""").BestMatch!;

        Assert.Equal("/properties/a~1b/type", error.KeywordLocation);
        Assert.Equal("/a~1b", error.InstanceLocation);
    }

    [Fact]
    public void BestMatch_PrefersTheDeepestError()
    {
        var schema = Compile("""{"required": ["z"], "properties": {"a": {"properties": {"b": {"type": "string"}}}}}""");

        var result = schema.Validate("""{"a": {"b": 1}}""");

        Assert.Equal(2, result.Errors.Count);
        Assert.Equal("/a/b", result.Errors[0].InstanceLocation);
    }

    [Fact]
    public void BestMatch_GoesIntoTheOneOfBranchThatCameClosest()
    {
        // A content part with the right discriminator but a wrong member: the "text" branch is closest.
        var schema = Compile("""
            {"oneOf": [
              {"properties": {"type": {"const": "text"}, "text": {"type": "string"}}, "required": ["type", "text"]},
              {"properties": {"type": {"const": "refusal"}, "text": {"type": "string"}}, "required": ["type", "text"]},
              {"properties": {"type": {"const": "data"}}, "required": ["type", "data", "mediaType"]}
            ]}
            """);

        var best = schema.Validate("""{"type": "text", "text": 5}""").BestMatch!;

        Assert.Equal("/text", best.InstanceLocation);
        Assert.Equal("type", best.Keyword);
    }

    [Fact]
    public void BestMatch_KeepsTheOneOfWhenBranchesAreEquallyClose()
    {
        var best = Compile("""{"oneOf": [{"type": "string"}, {"type": "integer"}]}""").Validate("null").BestMatch!;

        Assert.Equal("oneOf", best.Keyword);
        Assert.Equal(2, best.Causes.Count);
    }

    [Fact]
    public void BestMatch_SameFailureInEveryBranch_IsShownDirectly()
    {
        var best = Compile("""{"anyOf": [{"type": "object", "required": ["a"]}, {"type": "object", "required": ["b"]}]}""").Validate("[]").BestMatch!;

        // 'required' ignores arrays: each branch fails once, on type, with the same message.
        Assert.Equal("type", best.Keyword);
        Assert.Equal("expected object, got array", best.Message);
    }

    [Fact]
    public void CollectingPass_ReportsEveryFailure()
    {
        var result = Compile("""{"properties": {"a": {"type": "string"}, "b": {"minimum": 3}, "c": {"enum": [1]}}}""").Validate("""{"a": 1, "b": 2, "c": 2}""");

        Assert.Equal(["/a", "/b", "/c"], result.Errors.Select(e => e.InstanceLocation).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_IsThreadSafe()
    {
        var schema = RuntimeProtocolSchemas.Set.GetSchema(RuntimeProtocolSchemas.ForChannel("runtime.connection.attach.command"));
        var good = SpecExamplesTests.Load("valid", "frame-00-runtime.connection.attach.command.json");
        var bad = SpecExamplesTests.Load("invalid", "frame-runtime.connection.attach.command--bad-run-id.json");

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (i % 2 == 0)
            {
                Assert.True(schema.Validate(good).IsValid);
            }
            else
            {
                Assert.Equal("/params/runId", schema.Validate(bad).BestMatch!.InstanceLocation);
            }
        });
    }

    [Fact]
    public void MemberNameThatIsNotUnicode_IsReportedNotThrown()
    {
        var closed = Compile("""{"properties": {"a": true}, "additionalProperties": false}""").Validate("""{"\ud800": 1}""");
        var named = Compile("""{"propertyNames": {"pattern": "^a"}}""").Validate("""{"\ud800x": 1}""");

        Assert.Equal("additionalProperties", closed.BestMatch!.Keyword);
        Assert.Equal("/\\ud800", closed.BestMatch.InstanceLocation); // shown as written
        Assert.Equal("pattern", named.BestMatch!.Keyword);
    }

    [Fact]
    public void Validate_ValidFrame_AllocatesNothing()
    {
        var schema = RuntimeProtocolSchemas.Set.GetSchema(RuntimeProtocolSchemas.ForChannel("runtime.connection.attach.command"));
        var frame = SpecExamplesTests.Load("valid", "frame-00-runtime.connection.attach.command.json");
        for (var i = 0; i < 50; i++)
        {
            Assert.True(schema.Validate(frame).IsValid);
        }

        // The quiet pass is the hot path: nothing per call (a little slack for the runtime itself). The fewest bytes of
        // three rounds: a round can catch the runtime's own one-off work (tiering up a method), a real per-call
        // allocation shows in every round.
        var fewest = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                schema.Validate(frame);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(fewest < 1024, $"{fewest} bytes for 100 validations");
    }

    [Fact]
    public void ErrorCount_CountsFailuresNotCauses()
    {
        var result = Compile("""{"properties": {"a": {"oneOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]}}}""").Validate("""{"a": 1}""");

        // Two failing branches; the integer one came closer (its type matched), so its error is shown first,
        // followed by the oneOf itself: two entries, one failure.
        Assert.Equal(["minimum", "oneOf"], result.Errors.Select(e => e.Keyword));
        Assert.Equal(1, result.ToErrorDetails().GetProperty("errorCount").GetInt32());
    }

    [Fact]
    public void UndefinedElement_IsRefused() =>
        Assert.Throws<ArgumentException>(() => Compile("{}").Validate(default(System.Text.Json.JsonElement)));
}
