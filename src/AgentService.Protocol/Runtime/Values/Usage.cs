using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Token usage of one model call, or summed for a run.</summary>
public sealed class Usage
{
    /// <summary>Input tokens.</summary>
    [JsonPropertyName("inputTokens")]
    public InputTokenUsage? InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    [JsonPropertyName("outputTokens")]
    public OutputTokenUsage? OutputTokens { get; init; }

    /// <summary>Cost in millionths of the currency unit.</summary>
    [JsonPropertyName("costMicros")]
    public long? CostMicros { get; init; }

    /// <summary>The provider's usage object verbatim.</summary>
    [JsonPropertyName("raw")]
    public JsonElement? Raw { get; init; }
}
