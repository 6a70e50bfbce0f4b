using System.Text.Json.Serialization;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>A page of tasks.</summary>
public sealed class TaskListResponse
{
    /// <summary>The tasks of the page, oldest first.</summary>
    [JsonPropertyName("tasks")]
    public required IReadOnlyList<AgentTask> Tasks { get; init; }

    /// <summary>Paging information.</summary>
    [JsonPropertyName("pagination")]
    public required Pagination Pagination { get; init; }
}
