using System.Text.Json;
using AgentService.Tests.Common;
using YamlDotNet.Serialization;

namespace AgentService.FunctionalTests.AgentProtocol;

/// <summary>
/// Checks JSON against the schemas of the project's copy of the Agent Protocol OpenAPI file (spec/agent-protocol):
/// $ref, allOf, type, nullable, enum, required — and, stricter than the file, that no property outside the schema
/// is sent.
/// </summary>
internal sealed class OpenApiContract
{
    private readonly Dictionary<object, object> _document;

    private OpenApiContract(Dictionary<object, object> document) => _document = document;

    public static OpenApiContract Load()
    {
        var yaml = File.ReadAllText(RepoPaths.Spec("agent-protocol", "openapi.yml"));
        return new OpenApiContract(new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(yaml));
    }

    /// <summary>The schema of the 200 answer of an operation, by operationId.</summary>
    public Dictionary<object, object> ResponseSchema(string operationId)
    {
        foreach (var path in Map(_document["paths"]).Values)
        {
            foreach (var operation in Map(path).Values.Select(Map))
            {
                if (operation.TryGetValue("operationId", out var id) && (string)id == operationId)
                {
                    var ok = Map(Map(operation["responses"])["200"]);
                    return Map(Map(Map(ok["content"])["application/json"])["schema"]);
                }
            }
        }

        throw new ArgumentException($"No operation '{operationId}' in the OpenAPI file.");
    }

    /// <summary>Every violation of <paramref name="schema"/> by <paramref name="value"/>, as JSON-pointer-like paths.</summary>
    public List<string> Validate(JsonElement value, Dictionary<object, object> schema, string at = "")
    {
        var errors = new List<string>();
        Check(value, schema, at, errors);
        return errors;
    }

    private void Check(JsonElement value, Dictionary<object, object> schema, string at, List<string> errors)
    {
        schema = Resolve(schema);
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!(schema.TryGetValue("nullable", out var nullable) && Equals(nullable, "true")))
            {
                errors.Add($"{at}: null where the schema does not allow it");
            }

            return;
        }

        var (properties, required) = Collect(schema);
        var type = schema.TryGetValue("type", out var t) ? (string)t : properties.Count > 0 ? "object" : null;
        switch (type)
        {
            case "object":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{at}: expected an object, got {value.ValueKind}");
                    return;
                }

                foreach (var name in required.Where(name => !value.TryGetProperty(name, out _)))
                {
                    errors.Add($"{at}/{name}: required property missing");
                }

                if (properties.Count > 0)
                {
                    foreach (var property in value.EnumerateObject())
                    {
                        if (properties.TryGetValue(property.Name, out var propertySchema))
                        {
                            Check(property.Value, propertySchema, $"{at}/{property.Name}", errors);
                        }
                        else
                        {
                            errors.Add($"{at}/{property.Name}: not in the schema");
                        }
                    }

                    foreach (var name in properties.Keys.Where(name => !value.TryGetProperty(name, out _)))
                    {
                        errors.Add($"{at}/{name}: optional property missing (should be present, null if unset)");
                    }
                }

                break;
            case "array":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    errors.Add($"{at}: expected an array, got {value.ValueKind}");
                    return;
                }

                var items = Map(schema["items"]);
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(item, items, $"{at}/{i++}", errors);
                }

                break;
            case "string":
                if (value.ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{at}: expected a string, got {value.ValueKind}");
                }
                else if (schema.TryGetValue("enum", out var values) && !((List<object>)values).Contains(value.GetString()!))
                {
                    errors.Add($"{at}: '{value.GetString()}' is not one of the enum values");
                }

                break;
            case "integer":
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out _))
                {
                    errors.Add($"{at}: expected an integer, got {value}");
                }

                break;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{at}: expected a boolean, got {value.ValueKind}");
                }

                break;
        }
    }

    private (Dictionary<string, Dictionary<object, object>> Properties, HashSet<string> Required) Collect(Dictionary<object, object> schema)
    {
        var properties = new Dictionary<string, Dictionary<object, object>>();
        var required = new HashSet<string>();
        void Add(Dictionary<object, object> part)
        {
            part = Resolve(part);
            if (part.TryGetValue("allOf", out var all))
            {
                foreach (var sub in (List<object>)all)
                {
                    Add(Map(sub));
                }
            }

            if (part.TryGetValue("properties", out var props))
            {
                foreach (var (name, propertySchema) in Map(props))
                {
                    properties[(string)name] = Map(propertySchema);
                }
            }

            if (part.TryGetValue("required", out var req))
            {
                required.UnionWith(((List<object>)req).Cast<string>());
            }
        }

        Add(schema);
        return (properties, required);
    }

    private Dictionary<object, object> Resolve(Dictionary<object, object> schema)
    {
        while (schema.TryGetValue("$ref", out var reference))
        {
            var name = ((string)reference)["#/components/schemas/".Length..];
            schema = Map(Map(Map(_document["components"])["schemas"])[name]);
        }

        return schema;
    }

    private static Dictionary<object, object> Map(object value) => (Dictionary<object, object>)value;
}
