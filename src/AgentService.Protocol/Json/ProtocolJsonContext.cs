using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Gateway;

namespace AgentService.Protocol.Json;

/// <summary>Source-generated serialization for every wire type. Properties absent by default are omitted when null;
/// Agent Protocol types opt their optional properties back in as explicit nulls.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentTask))]
[JsonSerializable(typeof(TaskStep))]
[JsonSerializable(typeof(Artifact))]
[JsonSerializable(typeof(TaskListResponse))]
[JsonSerializable(typeof(StepListResponse))]
[JsonSerializable(typeof(ArtifactListResponse))]
[JsonSerializable(typeof(TaskRequestBody))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(AgentCard))]
[JsonSerializable(typeof(RegisterAgentResponse))]
[JsonSerializable(typeof(AgentIdRequest))]
[JsonSerializable(typeof(GatewayStatusResponse))]
[JsonSerializable(typeof(AgentListResponse))]
[JsonSerializable(typeof(AgentStatusResponse))]
[JsonSerializable(typeof(SendMessageRequest))]
[JsonSerializable(typeof(SendMessageResponse))]
[JsonSerializable(typeof(GatewayMessage))]
[JsonSerializable(typeof(ConversationMessagesResponse))]
[JsonSerializable(typeof(GatewayHealth))]
[JsonSerializable(typeof(GatewayErrorResponse))]
[JsonSerializable(typeof(WebhookPush))]
[JsonSerializable(typeof(List<ContentPart>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(RawJson))]
[JsonSerializable(typeof(string))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context to serialize with on the wire: the generated metadata with an encoder that leaves quotes,
    /// apostrophes and non-ASCII text as they are (responses are JSON, never embedded in HTML).
    /// </summary>
    public static ProtocolJsonContext Wire => WireHolder.Context;

    /// <summary>Frozen options of <see cref="Wire"/>, for HTTP clients and servers.</summary>
    public static JsonSerializerOptions DefaultOptions => WireHolder.Context.Options;

    // Built on first use: the generated Default instance must exist before options can be derived from it.
    private static class WireHolder
    {
        public static readonly ProtocolJsonContext Context = new(new JsonSerializerOptions(Default.Options)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }
}
