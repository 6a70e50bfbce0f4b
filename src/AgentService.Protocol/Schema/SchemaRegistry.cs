using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema;

/// <summary>
/// The loaded documents, indexed by every resource URI they declare (<c>$id</c>, including embedded ones) and every
/// <c>$anchor</c>; resolves references (absolute, relative to a base URI, with pointer or anchor fragments).
/// </summary>
internal sealed class SchemaRegistry
{
    public const string Draft202012 = "https://json-schema.org/draft/2020-12/schema";

    // Keywords whose value is a schema, an array of schemas, or an object of schemas (where $id and $anchor can appear).
    private static readonly HashSet<string> SchemaValued = new(StringComparer.Ordinal)
    {
        "items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    };

    private static readonly HashSet<string> SchemaArrayValued = new(StringComparer.Ordinal) { "allOf", "anyOf", "oneOf", "prefixItems" };

    private static readonly HashSet<string> SchemaMapValued = new(StringComparer.Ordinal)
    {
        "$defs", "definitions", "properties", "patternProperties", "dependentSchemas",
    };

    private readonly Dictionary<string, (SchemaDocument Document, string Pointer)> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SchemaDocument Document, string Pointer)> _anchors = new(StringComparer.Ordinal);
    private readonly List<SchemaDocument> _documents = [];

    public IReadOnlyList<SchemaDocument> Documents => _documents;

    public static string WithoutFragment(Uri uri)
    {
        var text = uri.AbsoluteUri;
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? text : text[..hash];
    }

    /// <summary>Adds a document; <paramref name="source"/> names it in error messages (a file, a resource).</summary>
    public void Add(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonSchemaException($"{source}: a schema document must be a JSON object.");
        }

        if (!root.TryGetProperty("$id", out var idElement) || idElement.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(idElement.GetString(), UriKind.Absolute, out var id))
        {
            throw new JsonSchemaException($"{source}: the document needs an absolute \"$id\".");
        }

        if (id.Fragment.Length > 1)
        {
            throw new JsonSchemaException($"{source}: \"$id\" must not have a fragment.");
        }

        if (root.TryGetProperty("$schema", out var dialect) && dialect.GetString() != Draft202012)
        {
            throw new JsonSchemaException($"{source}: only draft 2020-12 schemas are supported (\"$schema\": \"{Draft202012}\").");
        }

        var document = new SchemaDocument(id, root);
        if (_resources.ContainsKey(document.Key))
        {
            throw new JsonSchemaException($"{source}: \"{document.Key}\" is already loaded.");
        }

        _documents.Add(document);
        _resources[document.Key] = (document, string.Empty);
        Index(document, root, string.Empty, id);
    }

    /// <summary>Resolves an absolute schema URI (e.g. "https://.../frame.json#/$defs/RequestId").</summary>
    public SchemaLocation Resolve(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var absolute))
        {
            throw new JsonSchemaException($"'{uri}' is not an absolute URI.");
        }

        return Resolve(uri, absolute);
    }

    /// <summary>Resolves a <c>$ref</c> value against the base URI of the schema that holds it.</summary>
    public SchemaLocation Resolve(string reference, Uri baseUri)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var uriPart = hash < 0 ? reference : reference[..hash];
        var fragment = hash < 0 ? string.Empty : Uri.UnescapeDataString(reference[(hash + 1)..]);
        string key;
        try
        {
            key = uriPart.Length == 0 ? WithoutFragment(baseUri) : WithoutFragment(new Uri(baseUri, uriPart));
        }
        catch (UriFormatException e)
        {
            throw new JsonSchemaException($"$ref '{reference}' is not a valid URI reference.", e);
        }

        if (!_resources.TryGetValue(key, out var resource))
        {
            throw new JsonSchemaException($"$ref '{reference}' (from {baseUri}) names '{key}', which is not a loaded schema.");
        }

        string pointer;
        if (fragment.Length == 0)
        {
            pointer = resource.Pointer;
        }
        else if (fragment[0] == '/')
        {
            pointer = resource.Pointer + fragment;
        }
        else if (_anchors.TryGetValue(key + "#" + fragment, out var anchored))
        {
            resource = anchored;
            pointer = anchored.Pointer;
        }
        else
        {
            throw new JsonSchemaException($"$ref '{reference}' (from {baseUri}): no \"$anchor\": \"{fragment}\" in '{key}'.");
        }

        string[] tokens;
        try
        {
            tokens = JsonPointer.Parse(pointer);
        }
        catch (FormatException e)
        {
            throw new JsonSchemaException($"$ref '{reference}' (from {baseUri}): {e.Message}", e);
        }

        if (!JsonPointer.TryResolve(resource.Document.Root, tokens, out var element))
        {
            throw new JsonSchemaException($"$ref '{reference}' (from {baseUri}): '{key}' has nothing at '{pointer}'.");
        }

        return new SchemaLocation(resource.Document, pointer, element, BaseUriAt(resource.Document, tokens));
    }

    /// <summary>The location of a subschema of <paramref name="parent"/>, reached by the given (unescaped) tokens.</summary>
    public static SchemaLocation Child(SchemaLocation parent, JsonElement element, params string[] tokens)
    {
        var pointer = parent.Pointer;
        foreach (var token in tokens)
        {
            pointer += "/" + JsonPointer.Escape(token);
        }

        var baseUri = parent.BaseUri;
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            baseUri = new Uri(baseUri, id.GetString()!);
        }

        return new SchemaLocation(parent.Document, pointer, element, baseUri);
    }

    /// <summary>The base URI in force at a pointer: the document's $id, changed by every $id on the way down.</summary>
    private static Uri BaseUriAt(SchemaDocument document, string[] tokens)
    {
        var baseUri = document.Id;
        var current = document.Root;
        foreach (var token in tokens)
        {
            current = current.ValueKind == JsonValueKind.Object ? current.GetProperty(token) : current[int.Parse(token, System.Globalization.CultureInfo.InvariantCulture)];
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                baseUri = new Uri(baseUri, id.GetString()!);
            }
        }

        return baseUri;
    }

    private void Index(SchemaDocument document, JsonElement schema, string pointer, Uri baseUri)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (pointer.Length > 0 && schema.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            baseUri = new Uri(baseUri, id.GetString()!);
            var key = WithoutFragment(baseUri);
            if (!_resources.TryAdd(key, (document, pointer)))
            {
                throw new JsonSchemaException($"{document.Key}#{pointer}: \"$id\" '{key}' is declared twice.");
            }
        }

        if (schema.TryGetProperty("$anchor", out var anchor) && anchor.ValueKind == JsonValueKind.String)
        {
            var key = WithoutFragment(baseUri) + "#" + anchor.GetString();
            if (!_anchors.TryAdd(key, (document, pointer)))
            {
                throw new JsonSchemaException($"{document.Key}#{pointer}: \"$anchor\" '{key}' is declared twice.");
            }
        }

        foreach (var member in schema.EnumerateObject())
        {
            var child = pointer + "/" + JsonPointer.Escape(member.Name);
            if (SchemaValued.Contains(member.Name))
            {
                Index(document, member.Value, child, baseUri);
            }
            else if (SchemaArrayValued.Contains(member.Name) && member.Value.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in member.Value.EnumerateArray())
                {
                    Index(document, item, child + "/" + i++.ToString(System.Globalization.CultureInfo.InvariantCulture), baseUri);
                }
            }
            else if (SchemaMapValued.Contains(member.Name) && member.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in member.Value.EnumerateObject())
                {
                    Index(document, entry.Value, child + "/" + JsonPointer.Escape(entry.Name), baseUri);
                }
            }
        }
    }
}
