using Npgsql;

using AgentService.Server.Storage.Sql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>Small helpers: positional parameters and nullable columns.</summary>
internal static class PostgresCommands
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
#pragma warning disable CA2100 // SQL text comes from constants of the store classes; values are always parameters.
        return new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
    }

    public static NpgsqlCommand With(this NpgsqlCommand command, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    public static NpgsqlCommand WithText(this NpgsqlCommand command, string? value)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return command;
    }

    public static string? GetNullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset GetTimestamp(this NpgsqlDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
