using System.Text.Json.Serialization;

namespace AgentService.Server.Agents;

/// <summary>How to start an agent's runtime process.</summary>
internal sealed class AgentRuntimeDefinition
{
    [JsonPropertyName("command")]
    public string Command { get; set; } = "";

    [JsonPropertyName("args")]
    public List<string> Args { get; set; } = [];

    [JsonPropertyName("env")]
    public Dictionary<string, string> Env { get; set; } = [];

    [JsonPropertyName("workingDirectory")]
    public string? WorkingDirectory { get; set; }
}
