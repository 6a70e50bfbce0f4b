using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Protocol.Schema;

namespace AgentService.Server.Interactions;

/// <summary>
/// The JSON Schema (draft 2020-12) an <c>interaction.requested</c> of kind <c>input</c> carries, compiled with the
/// project's own validator. A schema without <c>$id</c> gets one under the interaction's id, so it stands alone.
/// </summary>
internal static class ResponseSchema
{
    /// <summary>Compiles the schema; throws <see cref="JsonSchemaException"/> when it is not a usable schema.</summary>
    public static JsonSchema Compile(string interactionId, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new JsonSchemaException("responseSchema must be a JSON object.");
        }

        var document = JsonNode.Parse(schema.GetRawText())!.AsObject();
        var id = $"https://agent-service.local/interactions/{interactionId}/response-schema.json";
        if (!document.ContainsKey("$id"))
        {
            document.Insert(0, "$id", id);
        }
        else
        {
            id = document["$id"]?.GetValueKind() == JsonValueKind.String ? (string)document["$id"]! : throw new JsonSchemaException("$id must be a string.");
        }

        using var parsed = JsonDocument.Parse(document.ToJsonString());
        var set = JsonSchemaSet.FromDocuments([parsed.RootElement]);
        return set.GetSchema(id);
    }
}
