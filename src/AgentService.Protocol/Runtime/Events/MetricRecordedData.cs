using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>metric.recorded</c>.</summary>
public sealed class MetricRecordedData
{
    /// <summary>Dotted lowercase name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>counter, gauge, histogram.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>Sample.</summary>
    [JsonPropertyName("value")]
    public required double Value { get; init; }

    /// <summary>UCUM unit.</summary>
    [JsonPropertyName("unit")]
    public string? Unit { get; init; }

    /// <summary>Attributes.</summary>
    [JsonPropertyName("attributes")]
    public JsonElement? Attributes { get; init; }
}
