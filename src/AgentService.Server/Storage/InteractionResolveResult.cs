namespace AgentService.Server.Storage;

/// <summary>What resolving did: <see cref="Found"/> false for an unknown interaction; <see cref="AlreadyResolved"/> or
/// <see cref="RunFinished"/> when nothing changed; otherwise the stored interaction and its delivery.</summary>
internal sealed record InteractionResolveResult(bool Found, bool AlreadyResolved, bool RunFinished, InteractionRecord? Interaction, DeliveryRecord? Delivery);
