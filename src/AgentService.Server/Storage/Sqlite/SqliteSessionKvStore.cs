namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteSessionKvStore(SqliteDatabase database, TimeProvider time) : ISessionKvStore
{
    public Task<IReadOnlyDictionary<string, string>> GetAsync(string sessionId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM session_kv WHERE session_id = $session AND key = $key";
        var session = command.Parameters.AddWithValue("$session", sessionId);
        var key = command.Parameters.AddWithValue("$key", "");
        foreach (var k in keys.Distinct(StringComparer.Ordinal))
        {
            key.Value = k;
            if (command.ExecuteScalar() is string value)
            {
                result[k] = value;
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, string>>(result);
    }

    public Task SetAsync(string sessionId, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.Writer.WriteAsync(commands =>
        {
            foreach (var (key, value) in values)
            {
                commands.Get("""
                    INSERT INTO session_kv (session_id, key, value, updated_at) VALUES ($session, $key, $value, $at)
                    ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """)
                    .With("$session", sessionId).With("$key", key).With("$value", value).With("$at", now.ToUnixMs())
                    .ExecuteNonQuery();
            }

            return values.Count;
        }, cancellationToken);
    }
}
