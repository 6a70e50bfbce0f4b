using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Server.Agents;

/// <summary>An agent as defined in the agents file (<c>--agents FILE</c>, <c>{"agents": [...]}</c>).</summary>
internal sealed class AgentDefinition
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("capabilities")]
    public List<string> Capabilities { get; set; } = [];

    [JsonPropertyName("webhookUrl")]
    public string? WebhookUrl { get; set; }

    [JsonPropertyName("metadata")]
    public Dictionary<string, JsonElement> Metadata { get; set; } = [];

    /// <summary>The runtime process that executes the agent's runs (runtime connection protocol).</summary>
    [JsonPropertyName("runtime")]
    public AgentRuntimeDefinition? Runtime { get; set; }

    /// <summary>Core capability names the agent's runtimes may use; <c>null</c> = all.</summary>
    [JsonPropertyName("grantedCapabilities")]
    public List<string>? GrantedCapabilities { get; set; }

    [JsonPropertyName("config")]
    public Dictionary<string, JsonElement> Config { get; set; } = [];

    [JsonPropertyName("secrets")]
    public Dictionary<string, string> Secrets { get; set; } = [];

    /// <summary>True for the agent served at <c>/ap/v1/agent</c>.</summary>
    [JsonPropertyName("default")]
    public bool Default { get; set; }
}
