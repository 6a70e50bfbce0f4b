namespace AgentService.Server.Storage;

/// <summary>The content address (lowercase hex SHA-256) and length of stored bytes.</summary>
internal sealed record BlobRef(string Hash, long Size);
