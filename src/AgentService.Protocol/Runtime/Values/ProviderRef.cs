using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Back-reference into a provider stream (debugging only).</summary>
public sealed class ProviderRef
{
    /// <summary>Adapter namespace, e.g. <c>openai.responses</c>.</summary>
    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    /// <summary>Model id.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    /// <summary>Provider response id.</summary>
    [JsonPropertyName("responseId")]
    public string? ResponseId { get; init; }

    /// <summary>Provider item id.</summary>
    [JsonPropertyName("itemId")]
    public string? ItemId { get; init; }

    /// <summary>Provider tool call id.</summary>
    [JsonPropertyName("callId")]
    public string? CallId { get; init; }

    /// <summary>Block or item index.</summary>
    [JsonPropertyName("index")]
    public int? Index { get; init; }
}
