using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>tool.call.failed</c>.</summary>
public sealed class ToolCallFailedData
{
    /// <summary>The call.</summary>
    [JsonPropertyName("toolCallId")]
    public required string ToolCallId { get; init; }

    /// <summary>invalid_arguments, denied, timeout, cancelled, execution_error, unavailable, lost.</summary>
    [JsonPropertyName("reason")]
    public required string Reason { get; init; }

    /// <summary>The error.</summary>
    [JsonPropertyName("error")]
    public required Values.ErrorInfo Error { get; init; }

    /// <summary>Another tool.call.started follows.</summary>
    [JsonPropertyName("willRetry")]
    public bool? WillRetry { get; init; }
}
