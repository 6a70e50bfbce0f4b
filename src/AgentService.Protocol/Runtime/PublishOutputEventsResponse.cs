using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.task.output.event</c>.</summary>
public sealed class PublishOutputEventsResponse
{
    /// <summary>True once the whole batch is durably stored.</summary>
    [JsonPropertyName("accepted")]
    public required bool Accepted { get; init; }
}
