using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Portable error: <c>code</c> for machines, <c>message</c> for people.</summary>
public sealed class ErrorInfo
{
    /// <summary>Stable snake_case code.</summary>
    [JsonPropertyName("code")]
    public required string Code { get; init; }

    /// <summary>For people; never secrets.</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>Whether retrying may help.</summary>
    [JsonPropertyName("retryable")]
    public bool? Retryable { get; init; }

    /// <summary>Suggested back-off.</summary>
    [JsonPropertyName("retryAfterMs")]
    public long? RetryAfterMs { get; init; }

    /// <summary>Object with details.</summary>
    [JsonPropertyName("details")]
    public JsonElement? Details { get; init; }

    /// <summary>The provider's own error, verbatim.</summary>
    [JsonPropertyName("providerError")]
    public JsonElement? ProviderError { get; init; }

    /// <summary>The underlying error.</summary>
    [JsonPropertyName("cause")]
    public ErrorInfo? Cause { get; init; }
}
