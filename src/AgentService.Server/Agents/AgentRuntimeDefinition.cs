using System.Text.Json.Serialization;

namespace AgentService.Server.Agents;

/// <summary>How to start an agent's runtime process.</summary>
internal sealed class AgentRuntimeDefinition
{
    /// <summary><c>launch</c> (default): the service starts <see cref="Command"/> for each run that has work.
    /// <c>worker</c>: long-lived workers started by the operator claim the agent's runs (POST /v1/agents/{id}/claims).</summary>
    [JsonPropertyName("mode")]
    public string Mode { get; set; } = "launch";

    [JsonPropertyName("command")]
    public string Command { get; set; } = "";

    [JsonPropertyName("args")]
    public List<string> Args { get; set; } = [];

    [JsonPropertyName("env")]
    public Dictionary<string, string> Env { get; set; } = [];

    [JsonPropertyName("workingDirectory")]
    public string? WorkingDirectory { get; set; }
}
