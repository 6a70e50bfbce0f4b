using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>error.occurred</c>.</summary>
public sealed class ErrorOccurredData
{
    /// <summary>The error.</summary>
    [JsonPropertyName("error")]
    public required Values.ErrorInfo Error { get; init; }

    /// <summary>run, step, tool, model, transport, runtime.</summary>
    [JsonPropertyName("scope")]
    public required string Scope { get; init; }

    /// <summary>True when run.finished(failed) follows.</summary>
    [JsonPropertyName("fatal")]
    public required bool Fatal { get; init; }

    /// <summary>Tool call.</summary>
    [JsonPropertyName("toolCallId")]
    public string? ToolCallId { get; init; }
}
