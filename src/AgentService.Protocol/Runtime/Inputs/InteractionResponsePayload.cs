using System.Text.Json;
using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime.Inputs;

/// <summary>Payload of an <c>interaction.response</c> delivery.</summary>
public sealed class InteractionResponsePayload
{
    /// <summary>The interaction.</summary>
    [JsonPropertyName("interactionId")]
    public required string InteractionId { get; init; }

    /// <summary>approved, denied, submitted, cancelled.</summary>
    [JsonPropertyName("outcome")]
    public required string Outcome { get; init; }

    /// <summary>The value or chosen choice id.</summary>
    [JsonPropertyName("response")]
    public JsonElement? Response { get; init; }

    /// <summary>Reason.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>Who answered.</summary>
    [JsonPropertyName("respondedBy")]
    public required Values.Actor RespondedBy { get; init; }

    /// <summary>When.</summary>
    [JsonPropertyName("respondedAt")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset RespondedAt { get; init; }
}
