namespace AgentService.Server.Hosting;

/// <summary>The <c>AgentService:Storage</c> section.</summary>
public sealed class StorageOptions
{
    /// <summary>A PostgreSQL connection string (<c>AgentService:Storage:Postgres</c>). When set, every store (and the
    /// blobs) live in that database and several nodes can share it; when absent, SQLite in the data dir is used.</summary>
    public string? Postgres { get; set; }
}
