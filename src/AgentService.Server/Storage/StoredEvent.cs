namespace AgentService.Server.Storage;

/// <summary>An event of a run's log: its position (1, 2, ... per run) and the CloudEvent as stored.</summary>
internal sealed record StoredEvent(string RunId, long Position, string EventId, string Type, string Body);
