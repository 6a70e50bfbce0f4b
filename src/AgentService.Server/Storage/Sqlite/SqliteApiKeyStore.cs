using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

internal sealed class SqliteApiKeyStore(SqliteDatabase database) : IApiKeyStore
{
    private const string Columns = "key_id, name, role, agents, created_at, expires_at, revoked_at";

    /// <summary>The key to revoke is not an admin key that works, or another admin key works.</summary>
    private const string KeepsAnAdmin = """
        (role <> $admin OR (expires_at IS NOT NULL AND expires_at <= $at) OR EXISTS (SELECT 1 FROM api_keys o WHERE o.role = $admin AND o.key_id <> $id AND o.revoked_at IS NULL
            AND (o.expires_at IS NULL OR o.expires_at > $at)))
        """;

    public Task CreateAsync(ApiKeyRecord key, string hash, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(
            commands => commands.Get("INSERT INTO api_keys (key_id, hash, name, role, agents, created_at, expires_at, revoked_at) VALUES ($id, $hash, $name, $role, $agents, $created, $expires, NULL)")
                .With("$id", key.KeyId).With("$hash", hash).With("$name", key.Name).With("$role", key.Role)
                .With("$agents", string.Join(' ', key.Agents)).With("$created", key.CreatedAt.ToUnixMs())
                .With("$expires", key.ExpiresAt?.ToUnixMs()).ExecuteNonQuery(),
            cancellationToken);

    public Task<(ApiKeyRecord Key, string Hash)?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"SELECT {Columns}, hash FROM api_keys WHERE key_id = $id");
        command.With("$id", keyId);
        using var reader = command.ExecuteReader();
        return Task.FromResult<(ApiKeyRecord, string)?>(reader.Read() ? (Read(reader), reader.GetString(7)) : null);
    }

    public Task<(IReadOnlyList<ApiKeyRecord> Items, int Total)> ListAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command($"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, key_id LIMIT $limit OFFSET $offset");
        command.With("$limit", pageSize).With("$offset", (long)(page - 1) * pageSize);
        var items = new List<ApiKeyRecord>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(Read(reader));
            }
        }

        var count = read.Command("SELECT COUNT(*) FROM api_keys");
        return Task.FromResult<(IReadOnlyList<ApiKeyRecord>, int)>((items, Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)));
    }

    public Task<ApiKeyRecord?> RevokeAsync(string keyId, DateTimeOffset at, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands =>
        {
            var revoked = commands.Get($"UPDATE api_keys SET revoked_at = $at WHERE key_id = $id AND revoked_at IS NULL AND {KeepsAnAdmin}")
                .With("$at", at.ToUnixMs()).With("$id", keyId).With("$admin", Security.Roles.Admin).ExecuteNonQuery();
            using var reader = commands.Get($"SELECT {Columns} FROM api_keys WHERE key_id = $id").With("$id", keyId).ExecuteReader();
            var key = reader.Read() ? Read(reader) : null;
            return revoked == 0 && key is { RevokedAt: null } ? throw new LastAdminKeyException(keyId) : key;
        }, cancellationToken);

    public Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var command = read.Command("SELECT EXISTS (SELECT 1 FROM api_keys)");
        return Task.FromResult(Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0);
    }

    private static ApiKeyRecord Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetNullableString(1),
        reader.GetString(2),
        reader.GetString(3).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        reader.GetTimestamp(4),
        reader.IsDBNull(5) ? null : reader.GetTimestamp(5),
        reader.IsDBNull(6) ? null : reader.GetTimestamp(6));
}
