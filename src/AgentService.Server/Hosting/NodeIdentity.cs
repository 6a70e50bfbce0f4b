using Microsoft.Extensions.Options;

namespace AgentService.Server.Hosting;

/// <summary>
/// Who this node is among the nodes sharing one database (<see cref="AgentServiceOptions.NodeId"/>): configured, or made
/// on first start and kept in the data directory, so that a node restarted on its data directory takes back what its
/// previous process left in flight — and only that.
/// </summary>
internal sealed class NodeIdentity
{
    public const string FileName = "node-id";

    public NodeIdentity(IOptions<AgentServiceOptions> options)
    {
        if (options.Value.NodeId is { Length: > 0 } configured)
        {
            Id = configured.Trim();
            return;
        }

        var dataDir = Path.GetFullPath(options.Value.DataDir);
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } stored)
        {
            Id = stored;
            return;
        }

        DataDirectory.Ensure(dataDir);
        Id = "node_" + Guid.NewGuid().ToString("N");
        File.WriteAllText(path, Id);
    }

    public string Id { get; }
}
