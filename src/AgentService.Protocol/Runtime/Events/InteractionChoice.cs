using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>One choice of a choice interaction.</summary>
public sealed class InteractionChoice
{
    /// <summary>Choice id.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>Label.</summary>
    [JsonPropertyName("label")]
    public required string Label { get; init; }

    /// <summary>Description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }
}
