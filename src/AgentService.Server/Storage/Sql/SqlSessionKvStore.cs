namespace AgentService.Server.Storage.Sql;

internal sealed class SqlSessionKvStore(ISqlDatabase database, TimeProvider time) : ISessionKvStore
{
    public Task<IReadOnlyDictionary<string, string>> GetAsync(string sessionId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, string>>(
            commands =>
            {
                var result = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var key in keys.Distinct(StringComparer.Ordinal))
                {
                    if (commands.Get("SELECT value FROM session_kv WHERE session_id = @session AND key = @key")
                        .With("@session", sessionId).With("@key", key).ExecuteScalar() is string value)
                    {
                        result[key] = value;
                    }
                }

                return result;
            },
            snapshot: true,
            cancellationToken);

    public Task SetAsync(string sessionId, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(commands =>
        {
            foreach (var (key, value) in values)
            {
                commands.Get("""
                    INSERT INTO session_kv (session_id, key, value, updated_at) VALUES (@session, @key, @value, @at)
                    ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """)
                    .With("@session", sessionId).With("@key", key).With("@value", value).With("@at", now.ToUnixMs())
                    .ExecuteNonQuery();
            }

            return values.Count;
        }, cancellationToken);
    }
}
