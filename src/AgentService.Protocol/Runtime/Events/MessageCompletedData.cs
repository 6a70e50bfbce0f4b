using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>message.completed</c>: the whole message.</summary>
public sealed class MessageCompletedData
{
    /// <summary>The message.</summary>
    [JsonPropertyName("messageId")]
    public required string MessageId { get; init; }

    /// <summary>assistant, system, user.</summary>
    [JsonPropertyName("role")]
    public required string Role { get; init; }

    /// <summary>completed, incomplete, refused.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The full content.</summary>
    [JsonPropertyName("content")]
    public required IReadOnlyList<Values.ContentPart> Content { get; init; }

    /// <summary>Finish reason.</summary>
    [JsonPropertyName("finishReason")]
    public Values.FinishReason? FinishReason { get; init; }

    /// <summary>Provider reference.</summary>
    [JsonPropertyName("providerRef")]
    public Values.ProviderRef? ProviderRef { get; init; }

    /// <summary>Provider pass-through.</summary>
    [JsonPropertyName("providerMetadata")]
    public JsonElement? ProviderMetadata { get; init; }
}
