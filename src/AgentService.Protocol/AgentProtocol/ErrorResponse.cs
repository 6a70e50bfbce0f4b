using System.Text.Json.Serialization;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>
/// The error body of the Agent Protocol API: <c>{"message": "..."}</c> (the spec's NotFound shape), with the
/// offending fields named in <c>errors</c> for 422 answers.
/// </summary>
public sealed class ErrorResponse
{
    /// <summary>What went wrong, for people.</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>The invalid fields, when the request was malformed.</summary>
    [JsonPropertyName("errors")]
    public IReadOnlyList<FieldError>? Errors { get; init; }
}
