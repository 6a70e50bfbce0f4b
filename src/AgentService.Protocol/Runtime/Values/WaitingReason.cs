using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Why a run is blocked.</summary>
public sealed class WaitingReason
{
    /// <summary>interaction, input, tool_result, subrun, dependency, ...</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>What must resolve.</summary>
    [JsonPropertyName("refs")]
    public IReadOnlyList<EntityRef>? Refs { get; init; }

    /// <summary>Since when.</summary>
    [JsonPropertyName("since")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? Since { get; init; }

    /// <summary>Earliest expected continuation.</summary>
    [JsonPropertyName("until")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? Until { get; init; }

    /// <summary>For people.</summary>
    [JsonPropertyName("detail")]
    public string? Detail { get; init; }
}
