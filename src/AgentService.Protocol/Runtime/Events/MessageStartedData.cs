using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>message.started</c>.</summary>
public sealed class MessageStartedData
{
    /// <summary><c>msg_</c> id.</summary>
    [JsonPropertyName("messageId")]
    public required string MessageId { get; init; }

    /// <summary>assistant, system, user.</summary>
    [JsonPropertyName("role")]
    public required string Role { get; init; }

    /// <summary>chat, status, notification, a2a, ...</summary>
    [JsonPropertyName("channel")]
    public string? Channel { get; init; }

    /// <summary>user, internal, agent.</summary>
    [JsonPropertyName("audience")]
    public string? Audience { get; init; }

    /// <summary>Explicit recipients.</summary>
    [JsonPropertyName("to")]
    public IReadOnlyList<Values.Actor>? To { get; init; }

    /// <summary>Provider reference.</summary>
    [JsonPropertyName("providerRef")]
    public Values.ProviderRef? ProviderRef { get; init; }
}
