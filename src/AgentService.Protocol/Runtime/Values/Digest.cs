using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>A content digest (lowercase hex).</summary>
public sealed class Digest
{
    /// <summary><c>sha256</c> or <c>sha512</c>.</summary>
    [JsonPropertyName("algorithm")]
    public required string Algorithm { get; init; }

    /// <summary>Lowercase hex.</summary>
    [JsonPropertyName("value")]
    public required string Value { get; init; }
}
