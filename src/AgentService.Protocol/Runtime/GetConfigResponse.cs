using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.connection.config.get.command</c>.</summary>
public sealed class GetConfigResponse
{
    /// <summary>The agent's configuration object.</summary>
    [JsonPropertyName("config")]
    public required JsonElement Config { get; init; }
}
