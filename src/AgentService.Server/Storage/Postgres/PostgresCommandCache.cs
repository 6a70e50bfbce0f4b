using AgentService.Server.Storage.Sql;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>The commands of one PostgreSQL connection and its transaction, reused by SQL text within it.</summary>
internal sealed class PostgresCommandCache(NpgsqlConnection connection, NpgsqlTransaction? transaction) : SqlCommands, IDisposable
{
    private readonly Dictionary<string, NpgsqlCommand> _commands = new(StringComparer.Ordinal);

    public override NpgsqlCommand Get(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.Command(sql, transaction);
            _commands.Add(sql, command);
        }

        // The parameters stay (With sets their values): an auto-prepared command sends the objects it was prepared with.
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
