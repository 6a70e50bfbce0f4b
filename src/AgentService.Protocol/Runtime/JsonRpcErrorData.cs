using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>The <c>data</c> member of a JSON-RPC error (PROTOCOL.md section 12).</summary>
public sealed class JsonRpcErrorData
{
    /// <summary>The code's name, e.g. <c>sequence_gap</c>.</summary>
    [JsonPropertyName("reason")]
    public required string Reason { get; init; }

    /// <summary>Whether the same request may succeed later.</summary>
    [JsonPropertyName("retryable")]
    public required bool Retryable { get; init; }

    /// <summary><c>connection</c>, <c>attempt</c> or <c>run</c> when the error ends that scope.</summary>
    [JsonPropertyName("fatal")]
    public string? Fatal { get; init; }

    /// <summary>Back off this long before retrying.</summary>
    [JsonPropertyName("retryAfterMs")]
    public long? RetryAfterMs { get; init; }

    /// <summary>Code-specific details.</summary>
    [JsonPropertyName("details")]
    public JsonElement? Details { get; init; }
}
