using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>Who did something.</summary>
public sealed class Actor
{
    /// <summary>user, agent, service, policy, schedule, system, timeout.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Opaque id.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>The acting run when type is agent.</summary>
    [JsonPropertyName("runId")]
    public string? RunId { get; init; }

    /// <summary>For people.</summary>
    [JsonPropertyName("displayName")]
    public string? DisplayName { get; init; }
}
