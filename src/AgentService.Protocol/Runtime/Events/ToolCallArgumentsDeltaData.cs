using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>tool.call.arguments.delta</c> (ephemeral).</summary>
public sealed class ToolCallArgumentsDeltaData
{
    /// <summary>The call.</summary>
    [JsonPropertyName("toolCallId")]
    public required string ToolCallId { get; init; }

    /// <summary>On the first delta.</summary>
    [JsonPropertyName("toolName")]
    public string? ToolName { get; init; }

    /// <summary>Argument text increment.</summary>
    [JsonPropertyName("delta")]
    public required string Delta { get; init; }
}
