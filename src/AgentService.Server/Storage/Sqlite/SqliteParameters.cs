using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

/// <summary>Binds a parameter of a SQLite command (the reader helpers shared with PostgreSQL are in <see cref="Sql.SqlParameters"/>).</summary>
internal static class SqliteParameters
{
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
