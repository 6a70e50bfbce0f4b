using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>runtime.task.output.event</c>: one batch of at most 500 events of one run.</summary>
public sealed class PublishOutputEventsRequest
{
    /// <summary>The current connection (from the attach reply).</summary>
    [JsonPropertyName("runtimeConnectionId")]
    public required string RuntimeConnectionId { get; init; }

    /// <summary>A run bound to the connection.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>The events, in seq order.</summary>
    [JsonPropertyName("events")]
    public required IReadOnlyList<OutputEvent> Events { get; init; }
}
