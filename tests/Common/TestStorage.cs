using System.Security.Cryptography;
using System.Text;
using AgentService.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AgentService.Tests.Common;

/// <summary>
/// Which store the suite runs against. Default SQLite; with <c>AGENTSERVICE_TEST_STORAGE=postgres</c> every server
/// gets a fresh PostgreSQL database on the server named by <c>AGENTSERVICE_TEST_POSTGRES</c> (a connection string
/// with rights to create databases). <c>./test.sh</c> runs the functional suite both ways; in CI a missing
/// PostgreSQL server is a failure, never a skip.
/// </summary>
public static class TestStorage
{
    public static bool UsesPostgres { get; } =
        string.Equals(Environment.GetEnvironmentVariable("AGENTSERVICE_TEST_STORAGE"), "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The admin connection string of the test PostgreSQL server, or null when there is none.</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable("AGENTSERVICE_TEST_POSTGRES") is { Length: > 0 } value ? value : null;

    /// <summary>Creates an empty database for several nodes to share; returns its name and connection string.</summary>
    public static async Task<(string Name, string ConnectionString)> CreateSharedDatabaseAsync()
    {
        var name = "ast_nodes_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return (name, new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString);
    }

    public static async Task DropSharedDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("AGENTSERVICE_TEST_POSTGRES")
        ?? throw new InvalidOperationException("AGENTSERVICE_TEST_STORAGE=postgres needs AGENTSERVICE_TEST_POSTGRES (an admin connection string).");

    /// <summary>The extra server arguments that select the store for a data directory.</summary>
    public static string[] ServerArgs(string dataDir) =>
        UsesPostgres ? [$"--AgentService:Storage:Postgres={EnsureDatabase(dataDir)}"] : [];

    /// <summary>The connection string of the database that belongs to <paramref name="dataDir"/>.</summary>
    public static string ConnectionString(string dataDir) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = DatabaseName(dataDir) }.ConnectionString;

    public static async Task<object?> ExecuteAsync(string dataDir, string sql, IReadOnlyDictionary<string, object?>? parameters)
    {
        if (UsesPostgres)
        {
            await using var connection = new NpgsqlConnection(ConnectionString(dataDir));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            return await command.ExecuteScalarAsync();
        }

        await using var sqlite = new SqliteConnection($"Data Source={Path.Combine(dataDir, SqliteDatabase.FileName)};Pooling=False");
        await sqlite.OpenAsync();
        await using var sqliteCommand = sqlite.CreateCommand();
        sqliteCommand.CommandText = sql;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
        {
            sqliteCommand.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return await sqliteCommand.ExecuteScalarAsync();
    }

    public static async Task DropAsync(string dataDir)
    {
        if (!UsesPostgres)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseName(dataDir)} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string EnsureDatabase(string dataDir)
    {
        var name = DatabaseName(dataDir);
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = name });
        if (exists.ExecuteScalar() is null)
        {
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            create.ExecuteNonQuery();
        }

        return ConnectionString(dataDir);
    }

    private static string DatabaseName(string dataDir) =>
        "ast_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir))))[..24];
}
