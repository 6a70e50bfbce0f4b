using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime.Inputs;

/// <summary>Payload of a <c>cancel</c> delivery.</summary>
public sealed class CancelPayload
{
    /// <summary>graceful or immediate.</summary>
    [JsonPropertyName("mode")]
    public required string Mode { get; init; }

    /// <summary>Why.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>After this the lease is no longer renewed.</summary>
    [JsonPropertyName("graceDeadline")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? GraceDeadline { get; init; }

    /// <summary>Also cancel awaited sub-runs.</summary>
    [JsonPropertyName("cascade")]
    public bool? Cascade { get; init; }

    /// <summary>Who asked.</summary>
    [JsonPropertyName("requestedBy")]
    public required Values.Actor RequestedBy { get; init; }
}
