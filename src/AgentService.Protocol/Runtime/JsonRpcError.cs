using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>The JSON-RPC error object of this binding (frame.json ErrorObject).</summary>
public sealed class JsonRpcError
{
    /// <summary>See <see cref="RuntimeErrorCodes"/>.</summary>
    [JsonPropertyName("code")]
    public required int Code { get; init; }

    /// <summary>One short sentence for people.</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>Machine-readable details.</summary>
    [JsonPropertyName("data")]
    public required JsonRpcErrorData Data { get; init; }
}
