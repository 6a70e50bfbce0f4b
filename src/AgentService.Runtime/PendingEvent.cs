using AgentService.Protocol.Runtime;

namespace AgentService.Runtime;

/// <summary>A stamped event waiting for acceptance; the ordinal survives renumbering. <paramref name="EndsGroup"/>
/// marks the last event of one publish call: a batch never splits a call's events (unless one call alone exceeds the
/// batch size), so the service stores them in one transaction.</summary>
internal sealed record PendingEvent(long Ordinal, OutputEvent Event, bool EndsGroup = true);
