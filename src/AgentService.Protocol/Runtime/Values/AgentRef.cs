using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>An agent by name and version.</summary>
public sealed class AgentRef
{
    /// <summary>Agent name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>Agent version.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }
}
