using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>tool.call.started</c>.</summary>
public sealed class ToolCallStartedData
{
    /// <summary>The call.</summary>
    [JsonPropertyName("toolCallId")]
    public required string ToolCallId { get; init; }

    /// <summary>Retry ordinal, from 1.</summary>
    [JsonPropertyName("executionAttempt")]
    public required int ExecutionAttempt { get; init; }

    /// <summary>Executor identity.</summary>
    [JsonPropertyName("executor")]
    public string? Executor { get; init; }
}
