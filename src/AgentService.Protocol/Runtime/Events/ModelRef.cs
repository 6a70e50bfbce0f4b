using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>The model a step calls.</summary>
public sealed class ModelRef
{
    /// <summary>Adapter namespace.</summary>
    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    /// <summary>Model id.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }
}
