using System.Text.Json;

namespace AgentService.Protocol.Schema;

/// <summary>One loaded schema document: its <c>$id</c> (without fragment) and its root.</summary>
internal sealed class SchemaDocument
{
    public SchemaDocument(Uri id, JsonElement root)
    {
        Id = id;
        Key = SchemaRegistry.WithoutFragment(id);
        Root = root;
    }

    public Uri Id { get; }

    /// <summary>The absolute URI as text, the key of the document in the registry.</summary>
    public string Key { get; }

    public JsonElement Root { get; }
}
