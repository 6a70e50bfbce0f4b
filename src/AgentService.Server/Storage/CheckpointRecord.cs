namespace AgentService.Server.Storage;

/// <summary>A stored <c>checkpoint.saved</c>: its id, the input cursor it reflects, and the checkpoint JSON as sent.</summary>
internal sealed record CheckpointRecord(string CheckpointId, long Position, long InputCursor, string Body);
