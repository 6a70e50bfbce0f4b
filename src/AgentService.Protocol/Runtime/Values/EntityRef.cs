using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>A typed reference to an entity.</summary>
public sealed class EntityRef
{
    /// <summary>run, step, message, tool_call, interaction, artifact, checkpoint, delivery, external.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>The id.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }
}
