using AgentService.Protocol.Runtime;

namespace AgentService.Runtime;

/// <summary>A stamped event waiting for acceptance; the ordinal survives renumbering.</summary>
internal sealed record PendingEvent(long Ordinal, OutputEvent Event);
