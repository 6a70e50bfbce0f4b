using System.Text.Json;
using AgentService.Protocol.Schema;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>Builds one-off schema sets from inline JSON.</summary>
internal static class SchemaTestHelpers
{
    public const string TestBase = "https://schemas.test/";

    /// <summary>A set holding one schema document; "$id" defaults to https://schemas.test/s.json.</summary>
    public static JsonSchema Compile(string schemaJson)
    {
        var element = Parse(schemaJson);
        var id = element.TryGetProperty("$id", out var given) ? given.GetString()! : TestBase + "s.json";
        if (!element.TryGetProperty("$id", out _))
        {
            var text = schemaJson.Trim();
            element = text.StartsWith('{') && text != "{}"
                ? Parse("{\"$id\":\"" + id + "\"," + text[1..])
                : Parse("{\"$id\":\"" + id + "\"}");
        }

        return JsonSchemaSet.FromDocuments([element]).GetSchema(id);
    }

    public static JsonSchemaSet Set(params string[] documents) => JsonSchemaSet.FromDocuments(documents.Select(Parse));

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static SchemaValidationResult Validate(this JsonSchema schema, string instanceJson) => schema.Validate(Parse(instanceJson));

    public static bool Accepts(this JsonSchema schema, string instanceJson)
    {
        var element = Parse(instanceJson);
        var result = schema.Validate(element);
        Assert.Equal(result.IsValid, schema.IsValid(element)); // the quiet and the collecting pass agree
        Assert.Equal(result.IsValid, result.Errors.Count == 0);
        return result.IsValid;
    }
}
