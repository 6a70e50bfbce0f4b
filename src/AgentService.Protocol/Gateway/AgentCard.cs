using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Gateway;

/// <summary>The body of <c>POST /gateway/register</c>: the agent's card and the webhook its messages are pushed to.</summary>
public sealed class AgentCard
{
    /// <summary>The agent's id: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.</summary>
    [JsonPropertyName("agent_id")]
    public required string AgentId { get; init; }

    /// <summary>Display name.</summary>
    [JsonPropertyName("agent_name")]
    public required string AgentName { get; init; }

    /// <summary>The kind of agent (<c>GET /gateway/agents?agent_type=</c> filters on it).</summary>
    [JsonPropertyName("agent_type")]
    public required string AgentType { get; init; }

    /// <summary>What the agent can do.</summary>
    [JsonPropertyName("capabilities")]
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Free text.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>Where messages to the agent are POSTed (http or https, checked against the webhook URL policy).</summary>
    [JsonPropertyName("webhook_url")]
    public required string WebhookUrl { get; init; }

    /// <summary>Any JSON object.</summary>
    [JsonPropertyName("metadata")]
    public RawJson? Metadata { get; init; }
}
