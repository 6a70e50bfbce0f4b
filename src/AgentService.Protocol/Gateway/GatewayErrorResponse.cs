using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>The error body of the Gateway API: <c>{"detail": "..."}</c>; a failed push (502) also names the stored message.</summary>
public sealed class GatewayErrorResponse
{
    /// <summary>What went wrong, for people.</summary>
    [JsonPropertyName("detail")]
    public required string Detail { get; init; }

    /// <summary>The message whose push failed (502 only); its record says why.</summary>
    [JsonPropertyName("message_id")]
    public string? MessageId { get; init; }
}
