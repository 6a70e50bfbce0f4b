using System.Text;
using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;

namespace AgentService.Runtime.Events;

public static partial class OutputEvents
{
    /// <summary>Inline checkpoint state is limited to this many UTF-8 bytes; larger state goes in <c>stateRef</c>.</summary>
    public const int MaxInlineStateBytes = RuntimeLimits.MaxInlineCheckpointStateBytes;

    /// <summary><c>artifact.created</c>: the content is stored first over HTTP; the ref has version, digest and size.</summary>
    public static OutputEventDraft ArtifactCreated(ArtifactCreatedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Artifact.Version is null || data.Artifact.Digest is null || data.Artifact.SizeBytes is null)
        {
            throw new ArgumentException("artifact.created needs the artifact's version, digest and sizeBytes.", nameof(data));
        }

        return Draft(OutputEventTypes.ArtifactCreated, data, RuntimeJsonContext.Wire.ArtifactCreatedData) with { StepId = data.Producer?.StepId };
    }

    /// <summary><c>checkpoint.saved</c> (needs checkpoint.save): exactly one of state and stateRef; inline state at most 256 KiB.</summary>
    public static OutputEventDraft CheckpointSaved(Checkpoint data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if ((data.State is null) == (data.StateRef is null))
        {
            throw new ArgumentException("A checkpoint has exactly one of state and stateRef.", nameof(data));
        }

        if (data.State is { } state && (state.ValueKind == JsonValueKind.Null || Encoding.UTF8.GetByteCount(state.GetRawText()) > MaxInlineStateBytes))
        {
            throw new ArgumentException($"Inline state must be non-null and at most {MaxInlineStateBytes} bytes; store larger state as an artifact (stateRef).", nameof(data));
        }

        if (data.StateRef is { } stateRef && (stateRef.Digest is null || stateRef.SizeBytes is null))
        {
            throw new ArgumentException("stateRef needs digest and sizeBytes.", nameof(data));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(data.InputCursor);
        return Draft(OutputEventTypes.CheckpointSaved, data, RuntimeJsonContext.Wire.Checkpoint);
    }

    /// <summary><c>todo.updated</c>: a full snapshot of a checklist.</summary>
    public static OutputEventDraft TodoUpdated(TodoUpdatedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(data.Revision, 1);
        return Draft(OutputEventTypes.TodoUpdated, data, RuntimeJsonContext.Wire.TodoUpdatedData);
    }

    /// <summary><c>subrun.spawned</c>: the parent mints <c>childRunId</c>. With hosting <c>local</c> the child is bound
    /// to this connection once published (its deliveries come here; recover names it).</summary>
    public static OutputEventDraft SubrunSpawned(SubrunSpawnedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.SubrunSpawned, data, RuntimeJsonContext.Wire.SubrunSpawnedData) with
        {
            LocalChildRunId = data.Hosting == "local" ? data.ChildRunId : null,
        };
    }

    /// <summary><c>subrun.linked</c>.</summary>
    public static OutputEventDraft SubrunLinked(SubrunLinkedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.SubrunLinked, data, RuntimeJsonContext.Wire.SubrunLinkedData);
    }
}
