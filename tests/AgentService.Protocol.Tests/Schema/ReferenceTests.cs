using AgentService.Protocol.Schema;
using static AgentService.Protocol.Tests.Schema.SchemaTestHelpers;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>$id, $ref (absolute, relative, pointer and anchor fragments), $defs, and recursion.</summary>
public sealed class ReferenceTests
{
    private const string Common = """
        {
          "$id": "https://schemas.test/v1/common/ids.json",
          "$defs": {
            "runId": {"type": "string", "pattern": "^run_[0-9]+$"},
            "a/b~c": {"const": "escaped"},
            "100%": {"const": "percent"},
            "pair": {"anyOf": [{"const": "first"}, {"const": "second"}]},
            "anchored": {"$anchor": "ticket", "type": "integer"}
          }
        }
        """;

    private const string Frame = """
        {
          "$id": "https://schemas.test/v1/wire/frame.json",
          "type": "object",
          "properties": {
            "runId": {"$ref": "../common/ids.json#/$defs/runId"},
            "abs": {"$ref": "https://schemas.test/v1/common/ids.json#/$defs/runId"},
            "escaped": {"$ref": "../common/ids.json#/$defs/a~1b~0c"},
            "percent": {"$ref": "../common/ids.json#/$defs/100%25"},
            "second": {"$ref": "../common/ids.json#/$defs/pair/anyOf/1"},
            "ticket": {"$ref": "../common/ids.json#ticket"},
            "local": {"$ref": "#/$defs/local"},
            "whole": {"$ref": "/v1/common/ids.json"}
          },
          "$defs": {"local": {"type": "boolean"}}
        }
        """;

    private static readonly JsonSchemaSet TwoDocuments = Set(Common, Frame);

    [Theory]
    [InlineData("""{"runId": "run_1"}""", true)]
    [InlineData("""{"runId": "run_x"}""", false)]
    [InlineData("""{"abs": "run_2"}""", true)]
    [InlineData("""{"abs": 2}""", false)]
    [InlineData("""{"escaped": "escaped"}""", true)]
    [InlineData("""{"escaped": "x"}""", false)]
    [InlineData("""{"percent": "percent"}""", true)]
    [InlineData("""{"percent": "x"}""", false)]
    [InlineData("""{"second": "second"}""", true)]
    [InlineData("""{"second": "first"}""", false)]
    [InlineData("""{"ticket": 7}""", true)]
    [InlineData("""{"ticket": "7"}""", false)]
    [InlineData("""{"local": true}""", true)]
    [InlineData("""{"local": 1}""", false)]
    [InlineData("""{"whole": {}}""", true)]
    public void Ref_ResolvesAcrossDocumentsAndFragments(string instance, bool valid) =>
        Assert.Equal(valid, TwoDocuments.Validate(Parse(instance), "https://schemas.test/v1/wire/frame.json").IsValid);

    [Fact]
    public void Ref_ErrorLocations_FollowTheReference()
    {
        var error = TwoDocuments.Validate(Parse("""{"runId": "nope"}"""), "https://schemas.test/v1/wire/frame.json").BestMatch!;

        Assert.Equal("/runId", error.InstanceLocation);
        Assert.Equal("/properties/runId/$ref/pattern", error.KeywordLocation);
        Assert.Equal("https://schemas.test/v1/common/ids.json#/$defs/runId/pattern", error.AbsoluteKeywordLocation);
    }

    [Fact]
    public void GetSchema_ByPointerIntoADocument()
    {
        var schema = TwoDocuments.GetSchema("https://schemas.test/v1/common/ids.json#/$defs/runId");

        Assert.True(schema.Accepts("\"run_5\""));
        Assert.False(schema.Accepts("\"run_\""));
        Assert.Same(schema, TwoDocuments.GetSchema("https://schemas.test/v1/common/ids.json#/$defs/runId")); // cached
    }

    [Fact]
    public void Ref_WithSiblingKeywords_AppliesBoth()
    {
        var schema = Compile("""{"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 2}""");

        Assert.True(schema.Accepts("\"ab\""));
        Assert.False(schema.Accepts("\"abc\""));
        Assert.False(schema.Accepts("1"));
    }

    [Fact]
    public void EmbeddedId_ChangesTheBaseUriOfItsSubschemas()
    {
        var set = Set("""
            {
              "$id": "https://schemas.test/outer.json",
              "properties": {"x": {"$ref": "inner.json#/$defs/v"}},
              "$defs": {
                "inner": {
                  "$id": "https://schemas.test/inner.json",
                  "$defs": {"v": {"$ref": "#/$defs/w"}, "w": {"type": "integer"}}
                }
              }
            }
            """);

        Assert.True(set.Validate(Parse("""{"x": 1}"""), "https://schemas.test/outer.json").IsValid);
        Assert.False(set.Validate(Parse("""{"x": "1"}"""), "https://schemas.test/outer.json").IsValid);
        Assert.True(set.Validate(Parse("3"), "https://schemas.test/inner.json#/$defs/w").IsValid);
    }

    [Fact]
    public void RecursiveSchema_ValidatesDeepInstancesAndTerminates()
    {
        var tree = Compile("""{"type": "object", "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#"}}}}""");
        var deep = "{\"value\": 1}";
        for (var i = 0; i < 200; i++)
        {
            deep = "{\"value\": " + i + ", \"children\": [" + deep + "]}";
        }

        var options = new System.Text.Json.JsonDocumentOptions { MaxDepth = 1000 };
        using var good = System.Text.Json.JsonDocument.Parse(deep, options);
        using var bad = System.Text.Json.JsonDocument.Parse(deep.Replace("{\"value\": 1}", "{\"value\": \"one\"}", StringComparison.Ordinal), options);

        Assert.True(tree.Validate(good.RootElement).IsValid);
        var error = tree.Validate(bad.RootElement).BestMatch!;
        Assert.Equal(string.Concat(Enumerable.Repeat("/children/0", 200)) + "/value", error.InstanceLocation);
    }

    [Fact]
    public void MutuallyRecursiveDocuments_Compile()
    {
        var set = Set(
            """{"$id": "https://schemas.test/a.json", "properties": {"b": {"$ref": "b.json"}}}""",
            """{"$id": "https://schemas.test/b.json", "properties": {"a": {"$ref": "a.json"}}, "required": ["a"]}""");

        Assert.True(set.Validate(Parse("""{"b": {"a": {"b": {"a": {}}}}}"""), "https://schemas.test/a.json").IsValid);
        Assert.False(set.Validate(Parse("""{"b": {"a": {"b": {}}}}"""), "https://schemas.test/a.json").IsValid);
    }

    [Theory]
    [InlineData("""{"$ref": "#"}""")]
    [InlineData("""{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}""")]
    [InlineData("""{"anyOf": [{"type": "string"}, {"$ref": "#"}]}""")]
    [InlineData("""{"not": {"$ref": "#"}}""")]
    [InlineData("""{"if": {"$ref": "#"}, "then": true}""")]
    public void RefLoopThatNeverDescends_IsRefusedInsteadOfHanging(string schema)
    {
        var e = Assert.Throws<JsonSchemaException>(() => Compile(schema));

        Assert.Contains("loop", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusedSchema_LeavesTheSetUsable()
    {
        var set = Set("""{"$id": "https://schemas.test/m.json", "$defs": {"bad": {"$ref": "#/$defs/bad"}, "good": {"$ref": "#/$defs/int"}, "int": {"type": "integer"}}}""");

        Assert.Throws<JsonSchemaException>(() => set.GetSchema("https://schemas.test/m.json#/$defs/bad"));
        Assert.True(set.Validate(Parse("1"), "https://schemas.test/m.json#/$defs/good").IsValid);
        Assert.Throws<JsonSchemaException>(() => set.GetSchema("https://schemas.test/m.json#/$defs/bad"));
    }

    [Theory]
    [InlineData("""{"$ref": "other.json"}""")]
    [InlineData("""{"$ref": "#/$defs/missing"}""")]
    [InlineData("""{"$ref": "#no-such-anchor"}""")]
    [InlineData("""{"$ref": "#/$defs/x~2"}""")]
    public void UnresolvableRef_FailsCompilation(string schema) => Assert.Throws<JsonSchemaException>(() => Compile(schema));

    [Fact]
    public void GetSchema_UnknownDocument_Throws() =>
        Assert.Throws<JsonSchemaException>(() => TwoDocuments.GetSchema("https://schemas.test/v1/none.json"));

    [Fact]
    public void Documents_NeedAnAbsoluteIdAndAreUnique()
    {
        Assert.Throws<JsonSchemaException>(() => Set("""{"type": "string"}"""));
        Assert.Throws<JsonSchemaException>(() => Set("""{"$id": "relative.json"}"""));
        Assert.Throws<JsonSchemaException>(() => Set("""{"$id": "https://schemas.test/x.json"}""", """{"$id": "https://schemas.test/x.json"}"""));
    }
}
