using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace AgentService.Protocol.Schema;

/// <summary>
/// A set of JSON Schema (draft 2020-12) documents that reference each other, indexed by their <c>$id</c>. Schemas
/// are compiled on first request (with everything they reference) and cached; compiled schemas are thread-safe.
/// </summary>
/// <example>
/// <code>
/// var schemas = JsonSchemaSet.LoadEmbedded();
/// var result = schemas.Validate(frame, "https://agent-service.spec/v1/schemas/wire/frame.json#/$defs/runtime.connection.attach.command");
/// if (!result.IsValid) { var details = result.ToErrorDetails(); /* {"pointer": "/params/runId", ...} */ }
/// </code>
/// </example>
public sealed class JsonSchemaSet
{
    /// <summary>Prefix of the logical names of the schema files embedded in this assembly.</summary>
    internal const string EmbeddedResourcePrefix = "AgentService.Protocol.Schemas/";

    private readonly SchemaRegistry _registry;
    private readonly SchemaCompiler _compiler;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private readonly Lock _compileLock = new();

    private JsonSchemaSet(SchemaRegistry registry)
    {
        _registry = registry;
        _compiler = new SchemaCompiler(registry);
    }

    /// <summary>The <c>$id</c> of every document in the set.</summary>
    public IReadOnlyList<string> DocumentIds => [.. _registry.Documents.Select(d => d.Key)];

    /// <summary>Builds a set from parsed documents; each needs an absolute <c>$id</c>.</summary>
    public static JsonSchemaSet FromDocuments(IEnumerable<JsonElement> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var registry = new SchemaRegistry();
        var i = 0;
        foreach (var document in documents)
        {
            registry.Add(document.Clone(), $"document #{i++}");
        }

        return new JsonSchemaSet(registry);
    }

    /// <summary>Loads every <c>*.json</c> file under <paramref name="directory"/> (recursively).</summary>
    public static JsonSchemaSet FromDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var registry = new SchemaRegistry();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(file);
            registry.Add(Parse(stream, file), file);
        }

        return new JsonSchemaSet(registry);
    }

    /// <summary>
    /// Loads the runtime connection protocol schemas embedded in this assembly (the files of <c>spec/v1/schemas</c>).
    /// Each call builds a new set; <see cref="RuntimeProtocolSchemas.Set"/> is the shared one.
    /// </summary>
    public static JsonSchemaSet LoadEmbedded()
    {
        var assembly = typeof(JsonSchemaSet).Assembly;
        var registry = new SchemaRegistry();
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(EmbeddedResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0)
        {
            throw new JsonSchemaException($"No schema resources ('{EmbeddedResourcePrefix}*.json') are embedded in {assembly.GetName().Name}.");
        }

        foreach (var name in names)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            registry.Add(Parse(stream, name), name);
        }

        return new JsonSchemaSet(registry);
    }

    /// <summary>
    /// The compiled schema at an absolute URI: a document's <c>$id</c>, optionally with a JSON pointer or anchor
    /// fragment ("...frame.json#/$defs/RequestFrame"). Throws <see cref="JsonSchemaException"/> when it does not
    /// resolve or cannot be compiled.
    /// </summary>
    public JsonSchema GetSchema(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        if (_schemas.TryGetValue(uri, out var schema))
        {
            return schema;
        }

        lock (_compileLock)
        {
            if (_schemas.TryGetValue(uri, out schema))
            {
                return schema;
            }

            schema = new JsonSchema(uri, _compiler.Compile(_registry.Resolve(uri)));
            _schemas[uri] = schema;
            return schema;
        }
    }

    /// <summary>Validates <paramref name="instance"/> against the schema at <paramref name="schemaUri"/>.</summary>
    public SchemaValidationResult Validate(JsonElement instance, string schemaUri) => GetSchema(schemaUri).Validate(instance);

    /// <summary>True when <paramref name="instance"/> is valid against the schema at <paramref name="schemaUri"/>.</summary>
    public bool IsValid(JsonElement instance, string schemaUri) => GetSchema(schemaUri).IsValid(instance);

    private static JsonElement Parse(Stream stream, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(stream);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new JsonSchemaException($"{source}: not valid JSON: {e.Message}", e);
        }
    }
}
