using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>message.delta</c> (ephemeral).</summary>
public sealed class MessageDeltaData
{
    /// <summary>The message.</summary>
    [JsonPropertyName("messageId")]
    public required string MessageId { get; init; }

    /// <summary>Content part index.</summary>
    [JsonPropertyName("contentIndex")]
    public int? ContentIndex { get; init; }

    /// <summary>Text increment (non-empty).</summary>
    [JsonPropertyName("delta")]
    public required string Delta { get; init; }
}
