using System.Text.Json.Serialization;

namespace AgentService.Protocol.Gateway;

/// <summary>The answer to <c>POST /gateway/register</c>: <c>{"status":"registered","agent_id":...,"webhook_secret":...}</c>.</summary>
public sealed class RegisterAgentResponse
{
    /// <summary>Always <c>registered</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The registered agent.</summary>
    [JsonPropertyName("agent_id")]
    public required string AgentId { get; init; }

    /// <summary>The key of the HMAC signature on every push to the agent's webhook. Shown once: each registration
    /// issues a new secret and the previous one stops being used.</summary>
    [JsonPropertyName("webhook_secret")]
    public required string WebhookSecret { get; init; }
}
