namespace AgentService.Server.Storage.Sql;

/// <summary>
/// A database the run stores share between SQLite and PostgreSQL. Work runs synchronously on the connection it is
/// given. A write is one transaction, committed before its task completes, that behaves as if it ran alone:
/// SQLite's single group-commit writer runs one at a time; PostgreSQL runs it <c>SERIALIZABLE</c> and runs it again
/// when the database reports a conflict, so write work must not have effects outside the database.
/// </summary>
internal interface ISqlDatabase
{
    Task<T> WriteAsync<T>(Func<SqlCommands, T> work, CancellationToken cancellationToken);

    /// <summary>Runs reads; with <paramref name="snapshot"/> they all see the same commit.</summary>
    Task<T> ReadAsync<T>(Func<SqlCommands, T> work, bool snapshot, CancellationToken cancellationToken);

    /// <summary>SQL for the text of a member of a JSON column, e.g. <c>("body", "data.messageId")</c>.</summary>
    string JsonText(string column, string path);

    /// <summary>A table reference that reads <paramref name="table"/> through <paramref name="index"/>: SQLite keeps no
    /// statistics (no <c>ANALYZE</c>), so its planner would take the primary key instead; PostgreSQL's planner has them
    /// and chooses by itself.</summary>
    string ThroughIndex(string table, string index);
}
