namespace AgentService.Server.Storage;

/// <summary>What became of one delivery attempt of a message, recorded in one commit.</summary>
internal sealed record DeliveryUpdate(string MessageId, DeliveryOutcome Outcome, DateTimeOffset At, string? Error = null, DateTimeOffset? NextAttemptAt = null);
