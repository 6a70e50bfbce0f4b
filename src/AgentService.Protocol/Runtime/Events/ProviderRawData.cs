using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>provider.raw</c> (ephemeral, debugging only).</summary>
public sealed class ProviderRawData
{
    /// <summary>Adapter namespace.</summary>
    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    /// <summary>The provider stream event verbatim.</summary>
    [JsonPropertyName("event")]
    public required JsonElement ProviderEvent { get; init; }
}
