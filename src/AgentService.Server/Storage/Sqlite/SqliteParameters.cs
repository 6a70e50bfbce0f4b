using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

/// <summary>Small helpers to bind parameters and read columns.</summary>
internal static class SqliteParameters
{
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset GetTimestamp(this SqliteDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static long ToUnixMs(this DateTimeOffset time) => time.ToUnixTimeMilliseconds();
}
