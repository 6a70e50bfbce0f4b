using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Inputs;

/// <summary>Payload of a <c>message</c> delivery.</summary>
public sealed class MessagePayload
{
    /// <summary>The input message.</summary>
    [JsonPropertyName("message")]
    public required JsonElement Message { get; init; }
}
