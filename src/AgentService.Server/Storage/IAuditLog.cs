namespace AgentService.Server.Storage;

/// <summary>The append-only audit log.</summary>
internal interface IAuditLog
{
    /// <summary>Appends an entry. It is committed with the next group commit; the caller does not wait for it.</summary>
    void Append(AuditEntry entry);

    /// <summary>Appends an entry and completes once it is committed.</summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries matching <paramref name="query"/>, oldest first, and how many match in all.</summary>
    Task<(IReadOnlyList<AuditEntry> Items, int Total)> QueryAsync(AuditQuery query, CancellationToken cancellationToken);
}
