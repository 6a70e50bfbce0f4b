using System.Text.Json.Serialization;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>A page of a task's steps (Agent Protocol <c>TaskStepsListResponse</c>).</summary>
public sealed class StepListResponse
{
    /// <summary>The steps of the page, oldest first.</summary>
    [JsonPropertyName("steps")]
    public required IReadOnlyList<TaskStep> Steps { get; init; }

    /// <summary>Paging information.</summary>
    [JsonPropertyName("pagination")]
    public required Pagination Pagination { get; init; }
}
