using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>An exception attached to a log line.</summary>
public sealed class ExceptionInfo
{
    /// <summary>Exception type.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Message.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; init; }

    /// <summary>Stack trace.</summary>
    [JsonPropertyName("stacktrace")]
    public string? StackTrace { get; init; }
}
