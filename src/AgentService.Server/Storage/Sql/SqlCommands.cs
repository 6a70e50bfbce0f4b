using System.Data.Common;

namespace AgentService.Server.Storage.Sql;

/// <summary>
/// The commands of one open connection (and its transaction, when writing), for store code shared by SQLite and
/// PostgreSQL: SQL written to run on both (<c>@name</c> parameters, <c>ON CONFLICT</c>, <c>RETURNING</c>,
/// <c>IS DISTINCT FROM</c>, <c>TRUE</c>/<c>FALSE</c> for booleans), with <see cref="ISqlDatabase.JsonText"/> and
/// <see cref="ISqlDatabase.ThroughIndex"/> for the places where the dialects differ.
/// </summary>
internal abstract class SqlCommands
{
    private List<string>? _wakeRuns;

    /// <summary>Notes, inside a write operation, a run whose runtime must be woken once the write is committed: it got
    /// something to deliver that no caller of the write knows about (a sub-run whose dependencies completed, a parent
    /// woken by a child the write ended). The database hands it to <see cref="RunWakeups"/> after the commit.</summary>
    public void WakeAfterCommit(string runId) => (_wakeRuns ??= []).Add(runId);

    /// <summary>The dependents a write is working through as runs end in it (<see cref="SqlRunStore"/>); null outside.</summary>
    internal Queue<string>? Dependencies { get; set; }

    /// <summary>The runs noted by the operation that just ran, and forgets them (the next operation starts empty).</summary>
    public List<string>? TakeRunsToWake()
    {
        var ready = _wakeRuns;
        _wakeRuns = null;
        return ready;
    }

    /// <summary>The command for <paramref name="sql"/>, enlisted in the current transaction; every parameter its SQL
    /// names is set again with <see cref="SqlParameters.With"/> before it runs.</summary>
    public abstract DbCommand Get(string sql);
}

/// <summary>Small helpers to bind parameters and read columns, for both databases.</summary>
internal static class SqlParameters
{
    /// <summary>Sets the parameter <paramref name="name"/>, adding it the first time. A command reused for its SQL text
    /// keeps its parameter objects: a prepared Npgsql command binds the objects it was prepared with, so replacing
    /// them would send the previous values again.</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        foreach (DbParameter existing in command.Parameters)
        {
            if (existing.ParameterName == name)
            {
                existing.Value = value ?? DBNull.Value;
                return command;
            }
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>Runs the query and reads every row with <paramref name="read"/>.</summary>
    public static List<T> ReadAll<T>(this DbCommand command, Func<DbDataReader, T> read)
    {
        using var reader = command.ExecuteReader();
        var items = new List<T>();
        while (reader.Read())
        {
            items.Add(read(reader));
        }

        return items;
    }

    public static string? GetNullableString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset GetTimestamp(this DbDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static long ToUnixMs(this DateTimeOffset time) => time.ToUnixTimeMilliseconds();
}
