using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Inputs;

/// <summary>Payload of a <c>run.resume</c> delivery (no sequence; first).</summary>
public sealed class RunResumePayload
{
    /// <summary>new_attempt, takeover, restart.</summary>
    [JsonPropertyName("reason")]
    public required string Reason { get; init; }

    /// <summary>1-based attempt ordinal.</summary>
    [JsonPropertyName("attemptNumber")]
    public required int AttemptNumber { get; init; }

    /// <summary>The lost attempt.</summary>
    [JsonPropertyName("previousAttemptId")]
    public string? PreviousAttemptId { get; init; }

    /// <summary>Latest checkpoint, when any and checkpoint.load is effective.</summary>
    [JsonPropertyName("checkpoint")]
    public Values.Checkpoint? Checkpoint { get; init; }

    /// <summary>Deliveries continue from inputCursor + 1.</summary>
    [JsonPropertyName("inputCursor")]
    public required int InputCursor { get; init; }

    /// <summary>seq of the next event of this attempt.</summary>
    [JsonPropertyName("nextOutputSeq")]
    public required int NextOutputSeq { get; init; }
}
