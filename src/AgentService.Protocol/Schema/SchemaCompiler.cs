using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Protocol.Schema.Keywords;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema;

/// <summary>
/// Turns schemas into trees of <see cref="SchemaNode"/>s, once: every schema (document + pointer) becomes one node,
/// shared by all references to it, so recursive schemas compile to cycles instead of endless trees. Regexes are
/// compiled once per pattern text. Not thread-safe: <see cref="JsonSchemaSet"/> serializes compilation.
/// </summary>
internal sealed class SchemaCompiler
{
    /// <summary>Time limit of one match, for the few patterns the linear-time engine cannot run.</summary>
    public static readonly TimeSpan BacktrackingTimeout = TimeSpan.FromMilliseconds(250);

    // Draft 2020-12 keywords this validator does not implement: a schema using them is refused rather than
    // silently under-checked.
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "unevaluatedProperties", "unevaluatedItems",
        "prefixItems", "contains", "minContains", "maxContains", "maxItems", "minProperties", "maxProperties",
        "dependentRequired", "dependentSchemas", "patternProperties", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    };

    private readonly SchemaRegistry _registry;
    private readonly Dictionary<string, SchemaNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);

    public SchemaCompiler(SchemaRegistry registry)
    {
        _registry = registry;
    }

    /// <summary>The node of a schema, compiling it and everything it reaches if needed.</summary>
    public SchemaNode Compile(SchemaLocation location)
    {
        var created = new List<string>();
        var pending = new Queue<(SchemaNode Node, SchemaLocation Location)>();
        try
        {
            var root = GetOrAdd(location, created, pending);
            while (pending.TryDequeue(out var item))
            {
                item.Node.SetKeywords(CompileKeywords(item.Location, created, pending));
            }

            CheckForLoops(root);
            return root;
        }
        catch
        {
            // Leave no half-compiled node behind.
            foreach (var key in created)
            {
                _nodes.Remove(key);
            }

            throw;
        }
    }

    private SchemaNode GetOrAdd(SchemaLocation location, List<string> created, Queue<(SchemaNode, SchemaLocation)> pending)
    {
        var key = location.Key;
        if (_nodes.TryGetValue(key, out var node))
        {
            return node;
        }

        node = new SchemaNode(key);
        _nodes.Add(key, node);
        created.Add(key);
        pending.Enqueue((node, location));
        return node;
    }

    private Keyword[] CompileKeywords(SchemaLocation location, List<string> created, Queue<(SchemaNode, SchemaLocation)> pending)
    {
        var schema = location.Element;
        var where = location.Key;
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return [];
            case JsonValueKind.False:
                return [new FalseKeyword(where)];
            case JsonValueKind.Object:
                break;
            default:
                throw new JsonSchemaException($"{where}: a schema must be an object or a boolean.");
        }

        SchemaNode Sub(JsonElement element, params string[] tokens) =>
            GetOrAdd(SchemaRegistry.Child(location, element, tokens), created, pending);

        var keywords = new List<(int Order, Keyword Keyword)>();
        var hasObjectKeyword = false;
        foreach (var member in schema.EnumerateObject())
        {
            var name = member.Name;
            var value = member.Value;
            var info = new KeywordInfo(name, where);
            if (Unsupported.Contains(name))
            {
                throw new JsonSchemaException($"{info.AbsoluteLocation}: the keyword '{name}' is not supported by this validator.");
            }

            switch (name)
            {
                case "type":
                    keywords.Add((0, CompileType(info, value)));
                    break;
                case "const":
                    keywords.Add((1, new ConstKeyword(info, value)));
                    break;
                case "enum":
                    Require(value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0, info, "a non-empty array");
                    keywords.Add((2, new EnumKeyword(info, [.. value.EnumerateArray()])));
                    break;
                case "minLength":
                case "maxLength":
                    keywords.Add((3, new LengthKeyword(info, NonNegativeInteger(info, value), name == "minLength")));
                    break;
                case "minimum":
                case "maximum":
                    Require(value.ValueKind == JsonValueKind.Number, info, "a number");
                    keywords.Add((3, new NumberBoundKeyword(info, JsonNumber.From(value), name == "minimum")));
                    break;
                case "minItems":
                    keywords.Add((3, new MinItemsKeyword(info, NonNegativeInteger(info, value))));
                    break;
                case "format":
                    Require(value.ValueKind == JsonValueKind.String, info, "a string");
                    if (FormatKeyword.Create(info, value.GetString()!) is { } format)
                    {
                        keywords.Add((4, format));
                    }

                    break;
                case "pattern":
                    Require(value.ValueKind == JsonValueKind.String, info, "a string");
                    keywords.Add((5, new PatternKeyword(info, value.GetString()!, GetRegex(value.GetString()!, info))));
                    break;
                case "uniqueItems":
                    Require(value.ValueKind is JsonValueKind.True or JsonValueKind.False, info, "a boolean");
                    if (value.ValueKind == JsonValueKind.True)
                    {
                        keywords.Add((6, new UniqueItemsKeyword(info)));
                    }

                    break;
                case "properties":
                case "required":
                case "additionalProperties":
                case "propertyNames":
                    hasObjectKeyword = true;
                    break;
                case "items":
                    Require(value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False, info, "a schema (the array form is not 2020-12; use prefixItems)");
                    keywords.Add((8, new ItemsKeyword(info, Sub(value, name))));
                    break;
                case "$ref":
                    Require(value.ValueKind == JsonValueKind.String, info, "a string");
                    keywords.Add((9, new RefKeyword(info, GetOrAdd(_registry.Resolve(value.GetString()!, location.BaseUri), created, pending))));
                    break;
                case "allOf":
                case "anyOf":
                case "oneOf":
                    {
                        Require(value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0, info, "a non-empty array of schemas");
                        if (name == "allOf" && DiscriminatorAllOfKeyword.TryCreate(
                                info,
                                value,
                                (member, i) => Sub(member, name, i.ToString(CultureInfo.InvariantCulture)),
                                (then, i) => Sub(then, name, i.ToString(CultureInfo.InvariantCulture), "then")) is { } dispatch)
                        {
                            keywords.Add((10, dispatch));
                            break;
                        }

                        var nodes = value.EnumerateArray().Select((item, i) => Sub(item, name, i.ToString(CultureInfo.InvariantCulture))).ToArray();
                        keywords.Add(name == "allOf"
                            ? (10, new AllOfKeyword(info, nodes))
                            : (11, new AnyOfKeyword(info, nodes, exactlyOne: name == "oneOf")));
                        break;
                    }

                case "not":
                    keywords.Add((12, new NotKeyword(info, Sub(value, name))));
                    break;
                case "if":
                    {
                        var then = schema.TryGetProperty("then", out var thenElement) ? Sub(thenElement, "then") : null;
                        var otherwise = schema.TryGetProperty("else", out var elseElement) ? Sub(elseElement, "else") : null;
                        if (then is not null || otherwise is not null)
                        {
                            keywords.Add((13, new IfKeyword(info, Sub(value, name), then, otherwise)));
                        }

                        break;
                    }

                default:
                    // $id, $schema, $defs, $anchor, $comment, then/else (with if), annotations and unknown keywords.
                    break;
            }
        }

        if (hasObjectKeyword)
        {
            keywords.Add((7, CompileObjectKeywords(schema, where, Sub)));
        }

        return [.. keywords.OrderBy(k => k.Order).Select(k => k.Keyword)];
    }

    private static ObjectKeyword CompileObjectKeywords(JsonElement schema, string where, Func<JsonElement, string[], SchemaNode> sub)
    {
        var properties = new List<(string, SchemaNode)>();
        if (schema.TryGetProperty("properties", out var propertiesElement))
        {
            Require(propertiesElement.ValueKind == JsonValueKind.Object, new KeywordInfo("properties", where), "an object of schemas");
            foreach (var property in propertiesElement.EnumerateObject())
            {
                properties.Add((property.Name, sub(property.Value, ["properties", property.Name])));
            }
        }

        var required = new List<string>();
        KeywordInfo? requiredInfo = null;
        if (schema.TryGetProperty("required", out var requiredElement))
        {
            requiredInfo = new KeywordInfo("required", where);
            Require(requiredElement.ValueKind == JsonValueKind.Array && requiredElement.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String), requiredInfo, "an array of strings");
            required.AddRange(requiredElement.EnumerateArray().Select(r => r.GetString()!));
        }

        KeywordInfo? additionalInfo = null;
        SchemaNode? additional = null;
        var additionalIsFalse = false;
        if (schema.TryGetProperty("additionalProperties", out var additionalElement))
        {
            additionalInfo = new KeywordInfo("additionalProperties", where);
            additionalIsFalse = additionalElement.ValueKind == JsonValueKind.False;
            if (additionalElement.ValueKind != JsonValueKind.True)
            {
                additional = sub(additionalElement, ["additionalProperties"]);
            }
        }

        KeywordInfo? propertyNamesInfo = null;
        SchemaNode? propertyNames = null;
        if (schema.TryGetProperty("propertyNames", out var propertyNamesElement) && propertyNamesElement.ValueKind != JsonValueKind.True)
        {
            propertyNamesInfo = new KeywordInfo("propertyNames", where);
            propertyNames = sub(propertyNamesElement, ["propertyNames"]);
        }

        return new ObjectKeyword(new KeywordInfo("properties", where), properties, requiredInfo, required, additionalInfo, additional, additionalIsFalse, propertyNamesInfo, propertyNames);
    }

    private static TypeKeyword CompileType(KeywordInfo info, JsonElement value)
    {
        var names = value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array when value.GetArrayLength() > 0 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
                value.EnumerateArray().Select(v => v.GetString()!).ToArray(),
            _ => throw new JsonSchemaException($"{info.AbsoluteLocation}: must be a type name or a non-empty array of them."),
        };

        var types = JsonTypes.None;
        foreach (var name in names)
        {
            types |= name switch
            {
                "null" => JsonTypes.Null,
                "boolean" => JsonTypes.Boolean,
                "object" => JsonTypes.Object,
                "array" => JsonTypes.Array,
                "number" => JsonTypes.Number,
                "string" => JsonTypes.String,
                "integer" => JsonTypes.Integer,
                _ => throw new JsonSchemaException($"{info.AbsoluteLocation}: unknown type '{name}'."),
            };
        }

        return new TypeKeyword(info, types, names.Length == 1 ? names[0] : "one of " + string.Join(", ", names));
    }

    private static long NonNegativeInteger(KeywordInfo info, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            var number = JsonNumber.From(value);
            if (number.IsInteger && !number.Negative)
            {
                return long.TryParse(number.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var result) ? result : long.MaxValue;
            }
        }

        throw new JsonSchemaException($"{info.AbsoluteLocation}: must be a non-negative integer.");
    }

    private static void Require(bool condition, KeywordInfo info, string what)
    {
        if (!condition)
        {
            throw new JsonSchemaException($"{info.AbsoluteLocation}: must be {what}.");
        }
    }

    private Regex GetRegex(string pattern, KeywordInfo info)
    {
        if (_regexes.TryGetValue(pattern, out var regex))
        {
            return regex;
        }

        string translated;
        try
        {
            translated = EcmaRegexTranslator.Translate(pattern);
        }
        catch (FormatException e)
        {
            throw new JsonSchemaException($"{info.AbsoluteLocation}: {e.Message}", e);
        }

        try
        {
            // Linear time whatever the input: frames come from the network.
            regex = new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            // Lookarounds and backreferences need the backtracking engine; a timeout bounds a runaway match.
            regex = new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.Compiled, BacktrackingTimeout);
        }
        catch (ArgumentException e)
        {
            throw new JsonSchemaException($"{info.AbsoluteLocation}: invalid pattern: {e.Message}", e);
        }

        _regexes.Add(pattern, regex);
        return regex;
    }

    /// <summary>
    /// Refuses schemas that apply themselves to the same instance without ever descending into it
    /// (<c>{"$ref": "#"}</c>, or a → b → a through $ref/allOf/anyOf/oneOf/not/if): they would never terminate.
    /// </summary>
    private static void CheckForLoops(SchemaNode root)
    {
        var state = new Dictionary<SchemaNode, bool>(); // false: on the current path; true: finished
        var path = new List<SchemaNode>();

        void Visit(SchemaNode node)
        {
            if (state.TryGetValue(node, out var finished))
            {
                if (!finished)
                {
                    var loop = path.Skip(path.IndexOf(node)).Select(n => n.Location).Append(node.Location);
                    throw new JsonSchemaException("These schemas apply to the same value in a loop and would never finish: " + string.Join(" -> ", loop));
                }

                return;
            }

            state[node] = false;
            path.Add(node);
            foreach (var keyword in node.Keywords)
            {
                foreach (var next in keyword.InPlaceSubschemas)
                {
                    Visit(next);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = true;
        }

        Visit(root);
    }
}
