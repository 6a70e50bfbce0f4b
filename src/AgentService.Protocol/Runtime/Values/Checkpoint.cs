using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Values;

/// <summary>A full snapshot of runtime state; exactly one of <c>state</c> and <c>stateRef</c>.</summary>
public sealed class Checkpoint
{
    /// <summary><c>ckpt_</c> id minted by the runtime.</summary>
    [JsonPropertyName("checkpointId")]
    public required string CheckpointId { get; init; }

    /// <summary>Version of the runtime's state format.</summary>
    [JsonPropertyName("stateSchemaVersion")]
    public required string StateSchemaVersion { get; init; }

    /// <summary>Inline state (serialized at most 256 KiB).</summary>
    [JsonPropertyName("state")]
    public JsonElement? State { get; init; }

    /// <summary>State stored as an artifact (with digest and sizeBytes).</summary>
    [JsonPropertyName("stateRef")]
    public ArtifactRef? StateRef { get; init; }

    /// <summary>Highest input sequence the state reflects.</summary>
    [JsonPropertyName("inputCursor")]
    public required int InputCursor { get; init; }

    /// <summary>periodic, step_boundary, before_side_effect, waiting, shutdown, manual.</summary>
    [JsonPropertyName("reason")]
    public required string Reason { get; init; }

    /// <summary>Workspace snapshot (workspace.snapshot capability).</summary>
    [JsonPropertyName("workspaceSnapshot")]
    public ArtifactRef? WorkspaceSnapshot { get; init; }

    /// <summary>Open records.</summary>
    [JsonPropertyName("pending")]
    public PendingRecords? Pending { get; init; }
}
