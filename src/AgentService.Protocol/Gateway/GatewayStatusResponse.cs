using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>A bare acknowledgement: <c>{"status":"ok"}</c> (heartbeat) or <c>{"status":"unregistered"}</c>.</summary>
public sealed class GatewayStatusResponse
{
    /// <summary>What happened.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }
}
