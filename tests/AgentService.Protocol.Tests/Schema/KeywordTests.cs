using AgentService.Protocol.Schema;
using static AgentService.Protocol.Tests.Schema.SchemaTestHelpers;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>
/// Draft 2020-12 semantics of each keyword the protocol schemas use. The verdicts agree with Ajv 8 (Ajv2020)
/// except the cases marked "exact", where Ajv's doubles round the number and we compare its decimal text.
/// </summary>
public sealed class KeywordTests
{
    [Theory]
    [InlineData("1", true)]
    [InlineData("1.0", true)]
    [InlineData("-0", true)]
    [InlineData("1e3", true)]
    [InlineData("1.5e1", true)]
    [InlineData("1E400", true)]
    [InlineData("12345678901234567890123456789012345678901234567890", true)]
    [InlineData("1.5", false)]
    [InlineData("1e-1", false)]
    [InlineData("1.0000000000000000000000000001", false)] // exact
    [InlineData("\"1\"", false)]
    [InlineData("true", false)]
    [InlineData("null", false)]
    public void Type_Integer_IsAnyNumberWithZeroFraction(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"type": "integer"}""").Accepts(instance));

    [Theory]
    [InlineData("1.5", true)]
    [InlineData("1", true)]
    [InlineData("\"x\"", true)]
    [InlineData("true", false)]
    [InlineData("[]", false)]
    [InlineData("{}", false)]
    [InlineData("null", false)]
    public void Type_List_AcceptsAnyListedType(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"type": ["number", "string"]}""").Accepts(instance));

    [Fact]
    public void Type_Error_NamesExpectedAndActualTypes()
    {
        var error = Compile("""{"type": "string"}""").Validate("3").BestMatch!;

        Assert.Equal("type", error.Keyword);
        Assert.Equal("expected string, got integer", error.Message);
    }

    [Theory]
    [InlineData("""{"const": 1}""", "1.0", true)]
    [InlineData("""{"const": 1}""", "1e0", true)]
    [InlineData("""{"const": 100}""", "1E2", true)]
    [InlineData("""{"const": 1}""", "true", false)]
    [InlineData("""{"const": 0}""", "false", false)]
    [InlineData("""{"const": "A"}""", "\"\\u0041\"", true)]
    [InlineData("""{"const": "a"}""", "\"A\"", false)]
    [InlineData("""{"const": null}""", "null", true)]
    [InlineData("""{"const": null}""", "0", false)]
    [InlineData("""{"const": {"a": 1, "b": [1, 2]}}""", """{"b": [1.0, 2], "a": 1}""", true)]
    [InlineData("""{"const": {"a": 1}}""", """{"a": 1, "b": 2}""", false)]
    [InlineData("""{"const": [1, 2]}""", "[2, 1]", false)]
    [InlineData("""{"const": [1, 2]}""", "[1, 2, 3]", false)]
    [InlineData("""{"const": 0.1}""", "0.10000000000000000001", false)] // exact
    public void Const_UsesJsonEquality(string schema, string instance, bool valid) =>
        Assert.Equal(valid, Compile(schema).Accepts(instance));

    [Theory]
    [InlineData("\"b\"", true)]
    [InlineData("\"\\u0062\"", true)]
    [InlineData("\"B\"", false)]
    [InlineData("2.0", true)]
    [InlineData("3", false)]
    [InlineData("null", true)]
    [InlineData("false", false)]
    [InlineData("""{"k": [true]}""", true)]
    [InlineData("""{"k": [false]}""", false)]
    public void Enum_MatchesAnyValueByJsonEquality(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"enum": ["a", "b", 2, null, {"k": [true]}]}""").Accepts(instance));

    [Theory]
    [InlineData("\"ab\"", true)]
    [InlineData("\"abc\"", false)]
    [InlineData("\"a\"", false)]
    [InlineData("\"💩💩\"", true)] // two code points, four UTF-16 units
    [InlineData("\"\\ud83d\\udca9\\ud83d\\udca9\"", true)] // the same, escaped
    [InlineData("\"💩💩💩\"", false)]
    [InlineData("\"e\u0301e\u0301\"", false)] // combining marks are code points of their own: 4
    [InlineData("3", true)] // not a string: not constrained
    public void Length_CountsCodePoints(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"minLength": 2, "maxLength": 2}""").Accepts(instance));

    [Fact]
    public void Length_LongStringsOutsideTheStackBufferAreCountedToo()
    {
        var schema = Compile("""{"maxLength": 300}""");

        Assert.True(schema.Accepts("\"" + string.Concat(Enumerable.Repeat("💩", 300)) + "\""));
        Assert.False(schema.Accepts("\"" + string.Concat(Enumerable.Repeat("💩", 301)) + "\""));
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-0.0", true)]
    [InlineData("-1e-400", false)] // exact: a double rounds this to -0 and accepts it
    [InlineData("1e-400", true)]
    [InlineData("9007199254740991", true)]
    [InlineData("9007199254740992", false)]
    [InlineData("9007199254740991.0000000000000000001", false)] // exact
    [InlineData("1e400", false)] // far beyond decimal and double: no overflow
    [InlineData("-1e400", false)]
    [InlineData("\"5\"", true)] // not a number: not constrained
    public void MinimumMaximum_CompareExactly(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"minimum": 0, "maximum": 9007199254740991}""").Accepts(instance));

    [Theory]
    [InlineData("0.1", true)]
    [InlineData("0.10000000000000000001", false)] // exact
    [InlineData("1e-1", true)]
    [InlineData("-1e999999999999999999999", true)]
    public void Maximum_Decimal(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"maximum": 0.1}""").Accepts(instance));

    [Fact]
    public void Maximum_BeyondDoublePrecision()
    {
        // 2^53 + 1 is not a double: it would round to 2^53 and pass.
        Assert.False(Compile("""{"maximum": 9007199254740992}""").Accepts("9007199254740993"));
        Assert.True(Compile("""{"maximum": 9007199254740993}""").Accepts("9007199254740993"));
    }

    [Fact]
    public void Minimum_HugeBoundInTheSchema()
    {
        var schema = Compile("""{"minimum": 1e30}""");

        Assert.True(schema.Accepts("1000000000000000000000000000000"));
        Assert.False(schema.Accepts("999999999999999999999999999999"));
    }

    [Fact]
    public void Required_ReportsEachMissingPropertyAtTheObject()
    {
        var result = Compile("""{"required": ["a", "b", "c"]}""").Validate("""{"b": 1}""");

        Assert.Equal(
            ["required property 'a' is missing", "required property 'c' is missing"],
            result.Errors.Select(e => e.Message).Order(StringComparer.Ordinal));
        Assert.All(result.Errors, e => Assert.Equal(string.Empty, e.InstanceLocation));
        Assert.True(Compile("""{"required": ["a"]}""").Accepts("[]")); // only objects are constrained
    }

    [Fact]
    public void Required_FindsEscapedMemberNames()
    {
        var schema = Compile("""{"required": ["runId"], "properties": {"runId": {"type": "string"}}}""");

        Assert.True(schema.Accepts("""{"\u0072unId": "x"}"""));
        Assert.False(schema.Accepts("""{"\u0072unId": 1}"""));
    }

    [Theory]
    [InlineData("""{"a": "x", "b": 1}""", true)]
    [InlineData("""{"a": 1}""", false)]
    [InlineData("""{"a": "x", "c": true}""", false)]
    [InlineData("""{"a": "x", "c": 3}""", true)]
    [InlineData("""{"\u0061": "x"}""", true)]
    [InlineData("""{"\u0061": 1}""", false)]
    public void PropertiesAndAdditionalProperties(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"properties": {"a": {"type": "string"}, "b": true}, "additionalProperties": {"type": "integer"}}""").Accepts(instance));

    [Fact]
    public void AdditionalPropertiesFalse_PointsAtTheExtraMember()
    {
        var result = Compile("""{"properties": {"a": true}, "additionalProperties": false}""").Validate("""{"a": 1, "x/y": 2, "z": 3}""");

        Assert.Equal(["/x~1y", "/z"], result.Errors.Select(e => e.InstanceLocation).Order(StringComparer.Ordinal));
        Assert.All(result.Errors, e => Assert.Equal("additionalProperties", e.Keyword));
        Assert.Contains(result.Errors, e => e.Message == "property 'z' is not allowed");
    }

    [Theory]
    [InlineData("""{"abc": 1, "d": 2}""", true)]
    [InlineData("""{"Abc": 1}""", false)]
    [InlineData("""{"abcd": 1}""", false)]
    [InlineData("{}", true)]
    public void PropertyNames_ValidatesEachNameAsAString(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"propertyNames": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3}}""").Accepts(instance));

    [Fact]
    public void PropertyNames_ErrorPointsAtTheMember()
    {
        var error = Compile("""{"propertyNames": {"enum": ["a", "b"]}}""").Validate("""{"a": 1, "c": 2}""").BestMatch!;

        Assert.Equal("/c", error.InstanceLocation);
        Assert.Equal("/propertyNames/enum", error.KeywordLocation);
    }

    [Theory]
    [InlineData("[]", false)]
    [InlineData("[1]", true)]
    [InlineData("[1, 2.0, 3]", true)]
    [InlineData("[1, \"2\"]", false)]
    [InlineData("{}", true)]
    public void ItemsAndMinItems(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"items": {"type": "integer"}, "minItems": 1}""").Accepts(instance));

    [Fact]
    public void Items_ErrorPointsAtTheIndex()
    {
        var error = Compile("""{"items": {"type": "integer"}}""").Validate("[1, 2, \"x\"]").BestMatch!;

        Assert.Equal("/2", error.InstanceLocation);
        Assert.Equal("/items/type", error.KeywordLocation);
    }

    [Theory]
    [InlineData("[1, 2, 3]", true)]
    [InlineData("[1, 1.0]", false)]
    [InlineData("[1, true]", true)]
    [InlineData("[0, false]", true)]
    [InlineData("[null, null]", false)]
    [InlineData("[\"a\", \"\\u0061\"]", false)]
    [InlineData("""[{"a": 1, "b": 2}, {"b": 2, "a": 1}]""", false)]
    [InlineData("""[{"a": 1}, {"a": 1, "b": 2}]""", true)]
    [InlineData("[[1, 2], [2, 1]]", true)]
    [InlineData("[[1, 2], [1, 2]]", false)]
    [InlineData("[]", true)]
    public void UniqueItems_UsesJsonEquality(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"uniqueItems": true}""").Accepts(instance));

    [Fact]
    public void UniqueItems_LargeArrayIsHashedNotCompared()
    {
        var items = string.Join(",", Enumerable.Range(0, 20000));
        var schema = Compile("""{"uniqueItems": true}""");

        Assert.True(schema.Accepts("[" + items + "]"));
        Assert.False(schema.Accepts("[" + items + ",19999.0]"));
    }

    [Theory]
    [InlineData("5", true)]
    [InlineData("15", false)] // fails maximum
    [InlineData("-5", false)] // fails minimum
    public void AllOf_NeedsEverySubschema(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"allOf": [{"minimum": 0}, {"maximum": 10}]}""").Accepts(instance));

    [Theory]
    [InlineData("\"x\"", true)]
    [InlineData("1", true)]
    [InlineData("1.5", false)]
    public void AnyOf_NeedsOneSubschema(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"anyOf": [{"type": "string"}, {"type": "integer"}]}""").Accepts(instance));

    [Theory]
    [InlineData("1", true)] // integer only
    [InlineData("2.5", true)] // minimum only
    [InlineData("0.5", false)] // neither
    [InlineData("3", false)] // both
    public void OneOf_NeedsExactlyOneSubschema(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"oneOf": [{"type": "integer"}, {"minimum": 2}]}""").Accepts(instance));

    [Fact]
    public void OneOf_MoreThanOneMatch_SaysWhich()
    {
        var error = Compile("""{"oneOf": [{"type": "integer"}, {"minimum": 1}]}""").Validate("5").BestMatch!;

        Assert.Equal("oneOf", error.Keyword);
        Assert.Contains("#0 and #1", error.Message, StringComparison.Ordinal);
        Assert.Empty(error.Causes);
    }

    [Fact]
    public void AnyOf_Failure_CarriesTheErrorsOfEveryBranch()
    {
        var error = Compile("""{"anyOf": [{"type": "string"}, {"minimum": 10}]}""").Validate("3").Errors.Single(e => e.Keyword == "anyOf");

        Assert.Equal(["/anyOf/0/type", "/anyOf/1/minimum"], error.Causes.Select(c => c.KeywordLocation));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("\"x\"", false)]
    public void Not_InvertsTheSubschema(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"not": {"type": "string"}}""").Accepts(instance));

    [Theory]
    [InlineData("""{"kind": "a", "x": 1}""", true)]
    [InlineData("""{"kind": "a"}""", false)] // then: x required
    [InlineData("""{"kind": "b", "y": 1}""", true)]
    [InlineData("""{"kind": "b"}""", false)] // else: y required
    [InlineData("""{"y": 1}""", true)] // if needs kind: else branch
    public void IfThenElse_AppliesTheBranchTheConditionPicks(string instance, bool valid) =>
        Assert.Equal(valid, Compile("""{"if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]}, "then": {"required": ["x"]}, "else": {"required": ["y"]}}""").Accepts(instance));

    [Fact]
    public void IfThen_ErrorComesFromTheBranch()
    {
        var error = Compile("""{"if": {"required": ["a"]}, "then": {"required": ["b"]}}""").Validate("""{"a": 1}""").BestMatch!;

        Assert.Equal("/then/required", error.KeywordLocation);
    }

    [Fact]
    public void ThenWithoutIf_IsIgnored() => Assert.True(Compile("""{"then": false, "else": false}""").Accepts("1"));

    [Theory]
    [InlineData("true", "1", true)]
    [InlineData("false", "1", false)]
    public void BooleanSchemas(string schema, string instance, bool valid)
    {
        var set = Set("{\"$id\": \"" + TestBase + "b.json\", \"$defs\": {\"s\": " + schema + "}}");

        Assert.Equal(valid, set.Validate(Parse(instance), TestBase + "b.json#/$defs/s").IsValid);
    }

    [Fact]
    public void UnknownKeywordsAndAnnotations_AreIgnored() =>
        Assert.True(Compile("""{"x-custom": {"type": "string"}, "description": "d", "title": "t", "default": 3, "examples": [1], "$comment": "c", "deprecated": true}""").Accepts("1"));

    [Theory]
    [InlineData("maxItems")]
    [InlineData("exclusiveMinimum")]
    [InlineData("unevaluatedProperties")]
    [InlineData("patternProperties")]
    public void UnsupportedKeyword_FailsCompilationInsteadOfBeingSkipped(string keyword)
    {
        var e = Assert.Throws<JsonSchemaException>(() => Compile("{\"" + keyword + "\": {}}"));

        Assert.Contains(keyword, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherDraft_IsRefused() =>
        Assert.Throws<JsonSchemaException>(() => Set("""{"$id": "https://schemas.test/old.json", "$schema": "http://json-schema.org/draft-07/schema#"}"""));

    [Theory]
    [InlineData("""{"type": "strin"}""")]
    [InlineData("""{"minLength": -1}""")]
    [InlineData("""{"minLength": 1.5}""")]
    [InlineData("""{"enum": []}""")]
    [InlineData("""{"items": [{}]}""")]
    [InlineData("""{"required": [1]}""")]
    [InlineData("""{"pattern": "("}""")]
    [InlineData("""{"allOf": 3}""")]
    public void MalformedSchema_IsRefused(string schema) => Assert.Throws<JsonSchemaException>(() => Compile(schema));
}
