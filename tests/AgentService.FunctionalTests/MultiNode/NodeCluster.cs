using System.Security.Cryptography;
using AgentService.Tests.Common;
using Npgsql;

namespace AgentService.FunctionalTests.MultiNode;

/// <summary>
/// Several server nodes sharing one fresh PostgreSQL database, each with its own data directory, all with the same
/// secret key (as a deployment of several nodes must be configured). Nodes are in-process hosts (<see cref="ServiceHost"/>)
/// or separate processes (<see cref="ServerProcess"/>) that a test can kill.
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    private readonly string _databaseName;
    private readonly string[] _args;
    private readonly List<ServiceHost> _hosts = [];
    private readonly List<ServerProcess> _processes = [];
    private string _nodeConnectionString;
    private TcpProxy? _proxy;

    private NodeCluster(string databaseName, string connectionString, string[] args)
    {
        _databaseName = databaseName;
        ConnectionString = connectionString;
        _nodeConnectionString = connectionString;
        _args = [$"--AgentService:Security:SecretKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}", .. args];
    }

    public string ConnectionString { get; }

    public IReadOnlyList<ServiceHost> Hosts => _hosts;

    /// <summary>A cluster of <paramref name="nodes"/> in-process nodes, all started with <paramref name="args"/>.</summary>
    public static async Task<NodeCluster> StartAsync(int nodes, params string[] args)
    {
        var (name, connectionString) = await TestStorage.CreateSharedDatabaseAsync();
        var cluster = new NodeCluster(name, connectionString, args);
        for (var i = 0; i < nodes; i++)
        {
            await cluster.AddHostAsync();
        }

        return cluster;
    }

    /// <summary>Nodes added from now on reach the database through a proxy the test can cut (the test's own queries
    /// still go directly).</summary>
    public TcpProxy RouteNodesThroughProxy()
    {
        var direct = new NpgsqlConnectionStringBuilder(ConnectionString);
        _proxy = new TcpProxy(direct.Host!, direct.Port);
        _nodeConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = _proxy.Port }.ConnectionString;
        return _proxy;
    }

    public async Task<ServiceHost> AddHostAsync()
    {
        var host = await ServiceHost.StartNodeAsync(_nodeConnectionString, _args);
        _hosts.Add(host);
        return host;
    }

    public async Task<ServerProcess> AddProcessAsync()
    {
        var process = await ServerProcess.StartAsync([$"--AgentService:Storage:Postgres={_nodeConnectionString}", .. _args]);
        _processes.Add(process);
        return process;
    }

    /// <summary>Runs one scalar query on the shared database.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>The nodes holding outbox leases right now.</summary>
    public async Task<IReadOnlyList<string>> LeaseOwnersAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT lease_owner FROM gateway_outbox WHERE leased", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var owners = new List<string>();
        while (await reader.ReadAsync())
        {
            owners.Add(reader.GetString(0));
        }

        return owners;
    }

    /// <summary>Server errors logged by the in-process nodes.</summary>
    public IEnumerable<string> Errors => _hosts.SelectMany(h => h.Errors);

    /// <summary>Errors (console lines <c>fail: ...</c>) the node processes wrote.</summary>
    public IEnumerable<string> ProcessFailures => _processes
        .SelectMany(p => p.Output.Split('\n'))
        .Where(line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await TestStorage.DropSharedDatabaseAsync(_databaseName);
    }
}
