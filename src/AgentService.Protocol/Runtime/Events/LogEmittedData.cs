using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>log.emitted</c>.</summary>
public sealed class LogEmittedData
{
    /// <summary>trace, debug, info, warn, error, fatal.</summary>
    [JsonPropertyName("level")]
    public required string Level { get; init; }

    /// <summary>The line.</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>Logger name.</summary>
    [JsonPropertyName("logger")]
    public string? Logger { get; init; }

    /// <summary>Scalar attributes.</summary>
    [JsonPropertyName("attributes")]
    public JsonElement? Attributes { get; init; }

    /// <summary>Exception.</summary>
    [JsonPropertyName("exception")]
    public ExceptionInfo? Exception { get; init; }
}
