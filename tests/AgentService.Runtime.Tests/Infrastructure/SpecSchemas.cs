using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Tests.Common;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>
/// A small JSON Schema checker over the real files in spec/v1/schemas, enough for the keywords those files use
/// (type, const, enum, required, properties, additionalProperties, propertyNames, items, minItems, minimum, maximum,
/// minLength, maxLength, pattern, $ref, allOf, anyOf, oneOf, not, if/then/else; formats are not checked). It lets the
/// fake service check every frame the SDK sends. Stopgap until the Protocol project's validator (branch schema) is
/// merged: then call JsonSchemaSet.LoadEmbedded().Validate(frame, target) from FakeConnection.Check instead.
/// </summary>
public static class SpecSchemas
{
    public const string Base = "https://agent-service.spec/v1/schemas/";

    private static readonly Dictionary<string, JsonElement> Documents = Load();
    private static readonly Dictionary<string, Regex> Patterns = [];

    /// <summary>Errors of <paramref name="instance"/> against e.g. <c>wire/frame.json#/$defs/runtime.connection.attach.command</c>.</summary>
    public static List<string> Validate(JsonElement instance, string target)
    {
        var errors = new List<string>();
        var (schema, baseUri) = Resolve(new Uri(Base + target));
        Check(instance, schema, baseUri, "", errors);
        return errors;
    }

    private static Dictionary<string, JsonElement> Load()
    {
        var root = RepoPaths.Spec("v1", "schemas");
        var documents = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var id = document.RootElement.GetProperty("$id").GetString()!;
            documents[id] = document.RootElement.Clone();
        }

        return documents;
    }

    private static (JsonElement Schema, Uri BaseUri) Resolve(Uri reference)
    {
        var documentUri = reference.GetLeftPart(UriPartial.Query);
        var node = Documents[documentUri];
        var fragment = Uri.UnescapeDataString(reference.Fragment.TrimStart('#'));
        foreach (var token in fragment.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.GetProperty(token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return (node, new Uri(documentUri));
    }

    private static bool IsValid(JsonElement instance, JsonElement schema, Uri baseUri)
    {
        var errors = new List<string>();
        Check(instance, schema, baseUri, "", errors);
        return errors.Count == 0;
    }

    private static void Check(JsonElement instance, JsonElement schema, Uri baseUri, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: not allowed");
            return;
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            var value = keyword.Value;
            switch (keyword.Name)
            {
                case "$ref":
                    var (target, targetBase) = Resolve(new Uri(baseUri, value.GetString()!));
                    Check(instance, target, targetBase, path, errors);
                    break;
                case "type":
                    var types = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(t => t.GetString()!).ToArray() : [value.GetString()!];
                    if (!types.Any(t => HasType(instance, t)))
                    {
                        errors.Add($"{path}: expected {string.Join("|", types)}, got {instance.ValueKind}");
                    }

                    break;
                case "const":
                    if (!JsonEquals(instance, value))
                    {
                        errors.Add($"{path}: expected const {value.GetRawText()}, got {instance.GetRawText()}");
                    }

                    break;
                case "enum":
                    if (!value.EnumerateArray().Any(v => JsonEquals(instance, v)))
                    {
                        errors.Add($"{path}: {instance.GetRawText()} is not one of {value.GetRawText()}");
                    }

                    break;
                case "required" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var name in value.EnumerateArray().Select(n => n.GetString()!).Where(n => !instance.TryGetProperty(n, out _)))
                    {
                        errors.Add($"{path}: missing required '{name}'");
                    }

                    break;
                case "properties" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var property in value.EnumerateObject())
                    {
                        if (instance.TryGetProperty(property.Name, out var child))
                        {
                            Check(child, property.Value, baseUri, $"{path}/{property.Name}", errors);
                        }
                    }

                    break;
                case "additionalProperties" when instance.ValueKind == JsonValueKind.Object:
                    var declared = schema.TryGetProperty("properties", out var props) ? props.EnumerateObject().Select(p => p.Name).ToHashSet() : [];
                    foreach (var member in instance.EnumerateObject().Where(m => !declared.Contains(m.Name)))
                    {
                        Check(member.Value, value, baseUri, $"{path}/{member.Name}", errors);
                    }

                    break;
                case "propertyNames" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var member in instance.EnumerateObject())
                    {
                        using var name = JsonDocument.Parse(JsonSerializer.Serialize(member.Name));
                        Check(name.RootElement, value, baseUri, $"{path}/{member.Name} (name)", errors);
                    }

                    break;
                case "items" when instance.ValueKind == JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in instance.EnumerateArray())
                    {
                        Check(item, value, baseUri, $"{path}/{index++}", errors);
                    }

                    break;
                case "minItems" when instance.ValueKind == JsonValueKind.Array:
                    if (instance.GetArrayLength() < value.GetInt32())
                    {
                        errors.Add($"{path}: fewer than {value.GetInt32()} items");
                    }

                    break;
                case "minimum" when instance.ValueKind == JsonValueKind.Number:
                    if (instance.GetDouble() < value.GetDouble())
                    {
                        errors.Add($"{path}: below minimum {value.GetDouble()}");
                    }

                    break;
                case "maximum" when instance.ValueKind == JsonValueKind.Number:
                    if (instance.GetDouble() > value.GetDouble())
                    {
                        errors.Add($"{path}: above maximum {value.GetDouble()}");
                    }

                    break;
                case "minLength" when instance.ValueKind == JsonValueKind.String:
                    if (instance.GetString()!.Length < value.GetInt32())
                    {
                        errors.Add($"{path}: shorter than {value.GetInt32()}");
                    }

                    break;
                case "maxLength" when instance.ValueKind == JsonValueKind.String:
                    if (instance.GetString()!.Length > value.GetInt32())
                    {
                        errors.Add($"{path}: longer than {value.GetInt32()}");
                    }

                    break;
                case "pattern" when instance.ValueKind == JsonValueKind.String:
                    if (!Pattern(value.GetString()!).IsMatch(instance.GetString()!))
                    {
                        errors.Add($"{path}: '{instance.GetString()}' does not match {value.GetString()}");
                    }

                    break;
                case "allOf":
                    foreach (var sub in value.EnumerateArray())
                    {
                        Check(instance, sub, baseUri, path, errors);
                    }

                    break;
                case "anyOf":
                    if (!value.EnumerateArray().Any(sub => IsValid(instance, sub, baseUri)))
                    {
                        errors.Add($"{path}: matches none of anyOf");
                    }

                    break;
                case "oneOf":
                    var matches = value.EnumerateArray().Count(sub => IsValid(instance, sub, baseUri));
                    if (matches != 1)
                    {
                        errors.Add($"{path}: matches {matches} of oneOf (needs exactly 1)");
                    }

                    break;
                case "not":
                    if (IsValid(instance, value, baseUri))
                    {
                        errors.Add($"{path}: matches a 'not' schema");
                    }

                    break;
                case "if":
                    var branch = IsValid(instance, value, baseUri) ? "then" : "else";
                    if (schema.TryGetProperty(branch, out var conditional))
                    {
                        Check(instance, conditional, baseUri, path, errors);
                    }

                    break;
            }
        }
    }

    private static Regex Pattern(string pattern)
    {
        lock (Patterns)
        {
            if (!Patterns.TryGetValue(pattern, out var regex))
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant);
                Patterns[pattern] = regex;
            }

            return regex;
        }
    }

    private static bool HasType(JsonElement instance, string type) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        "integer" => instance.ValueKind == JsonValueKind.Number && instance.TryGetInt64(out _),
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    private static bool JsonEquals(JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b);
}
