using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>tool.call.progress</c> (ephemeral).</summary>
public sealed class ToolCallProgressData
{
    /// <summary>The call.</summary>
    [JsonPropertyName("toolCallId")]
    public required string ToolCallId { get; init; }

    /// <summary>Progress so far.</summary>
    [JsonPropertyName("progress")]
    public required double Progress { get; init; }

    /// <summary>Total.</summary>
    [JsonPropertyName("total")]
    public double? Total { get; init; }

    /// <summary>For people.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; init; }
}
