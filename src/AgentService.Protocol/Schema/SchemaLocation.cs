using System.Text.Json;

namespace AgentService.Protocol.Schema;

/// <summary>A schema inside a document: the JSON pointer from the document root, the element, and its base URI.</summary>
internal readonly record struct SchemaLocation(SchemaDocument Document, string Pointer, JsonElement Element, Uri BaseUri)
{
    /// <summary>The canonical name of the schema: document URI + '#' + pointer. Two references to one schema share it.</summary>
    public string Key => Document.Key + "#" + Pointer;
}
