using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>run.finished</c>: exactly one per run.</summary>
public sealed class RunFinishedData
{
    /// <summary>completed, failed, cancelled, rejected, timed_out.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The result.</summary>
    [JsonPropertyName("result")]
    public RunResult? Result { get; init; }

    /// <summary>Required when failed or timed_out.</summary>
    [JsonPropertyName("error")]
    public Values.ErrorInfo? Error { get; init; }

    /// <summary>Summed usage.</summary>
    [JsonPropertyName("usage")]
    public Values.Usage? Usage { get; init; }

    /// <summary>Last checkpoint.</summary>
    [JsonPropertyName("finalCheckpointId")]
    public string? FinalCheckpointId { get; init; }

    /// <summary>Run duration.</summary>
    [JsonPropertyName("durationMs")]
    public long? DurationMs { get; init; }
}
