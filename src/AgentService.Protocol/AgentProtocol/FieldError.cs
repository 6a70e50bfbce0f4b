using System.Text.Json.Serialization;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>One invalid field of a request.</summary>
public sealed class FieldError
{
    /// <summary>The field: a body property, query parameter, form field or path parameter name.</summary>
    [JsonPropertyName("field")]
    public required string Field { get; init; }

    /// <summary>Why it is invalid.</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }
}
