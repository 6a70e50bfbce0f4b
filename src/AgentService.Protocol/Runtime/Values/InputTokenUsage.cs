using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Input token counts.</summary>
public sealed class InputTokenUsage
{
    /// <summary>All input tokens.</summary>
    [JsonPropertyName("total")]
    public long? Total { get; init; }

    /// <summary>Tokens not served from cache.</summary>
    [JsonPropertyName("noCache")]
    public long? NoCache { get; init; }

    /// <summary>Tokens read from cache.</summary>
    [JsonPropertyName("cacheRead")]
    public long? CacheRead { get; init; }

    /// <summary>Tokens written to cache.</summary>
    [JsonPropertyName("cacheWrite")]
    public long? CacheWrite { get; init; }
}
