using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>run.status.changed</c> (non-terminal).</summary>
public sealed class RunStatusChangedData
{
    /// <summary>queued, starting, running, waiting, cancelling.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The previous status.</summary>
    [JsonPropertyName("previousStatus")]
    public string? PreviousStatus { get; init; }

    /// <summary>Required when status is waiting.</summary>
    [JsonPropertyName("waitingFor")]
    public IReadOnlyList<Values.WaitingReason>? WaitingFor { get; init; }

    /// <summary>For people.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }
}
