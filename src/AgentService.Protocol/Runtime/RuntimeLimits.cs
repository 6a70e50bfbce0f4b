namespace AgentService.Protocol.Runtime;

/// <summary>Limits the protocol itself sets, the same for the service and every runtime (PROTOCOL.md).</summary>
public static class RuntimeLimits
{
    /// <summary>The most UTF-8 bytes of a <c>checkpoint.saved</c> event's inline <c>state</c>, as serialized; larger
    /// state is stored first as an artifact and named by <c>stateRef</c> (PROTOCOL.md §8). Past it the batch gets
    /// <c>1030 payload_too_large</c> with <c>details.maxBytes</c>.</summary>
    public const int MaxInlineCheckpointStateBytes = 256 * 1024;
}
