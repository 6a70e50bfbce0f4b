using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

/// <summary>
/// Prepared commands of one connection, reused by SQL text so each statement is compiled once. Only for SQL whose
/// text is fixed (values are parameters): a text built from a varying list would be kept once per length.
/// </summary>
internal sealed class SqliteCommandCache(SqliteConnection connection) : Sql.SqlCommands, IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteTransaction? Transaction { get; set; }

    /// <summary>The command for <paramref name="sql"/> with its parameters cleared, enlisted in the current transaction.</summary>
    public override SqliteCommand Get(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text comes from constants of the store classes; values are always parameters.
            command.CommandText = sql;
#pragma warning restore CA2100
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        command.Transaction = Transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }
}
