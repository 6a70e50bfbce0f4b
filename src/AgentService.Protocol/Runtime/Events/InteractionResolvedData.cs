using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>interaction.resolved</c> (usually service-sourced).</summary>
public sealed class InteractionResolvedData
{
    /// <summary>The interaction.</summary>
    [JsonPropertyName("interactionId")]
    public required string InteractionId { get; init; }

    /// <summary>approved, denied, submitted, cancelled, expired.</summary>
    [JsonPropertyName("outcome")]
    public required string Outcome { get; init; }

    /// <summary>Submitted value.</summary>
    [JsonPropertyName("response")]
    public JsonElement? Response { get; init; }

    /// <summary>Reason.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>Who resolved it.</summary>
    [JsonPropertyName("resolvedBy")]
    public required Values.Actor ResolvedBy { get; init; }

    /// <summary>The delivery that carried the answer.</summary>
    [JsonPropertyName("inputDeliveryId")]
    public string? InputDeliveryId { get; init; }
}
