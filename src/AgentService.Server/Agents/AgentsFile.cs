using System.Text.Json.Serialization;

namespace AgentService.Server.Agents;

/// <summary>The root of the agents file.</summary>
internal sealed class AgentsFile
{
    [JsonPropertyName("agents")]
    public List<AgentDefinition>? Agents { get; set; }
}
