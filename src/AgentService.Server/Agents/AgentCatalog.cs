using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Agents;

/// <summary>
/// The agents this service serves: those of the agents file, or the default <c>echo</c> agent when there is none — the
/// EchoAgent runtime launched as a process (<see cref="EchoAgentRuntime"/>), or the built-in in-process echo with
/// <c>AgentService:DefaultAgent=builtin</c> or when the EchoAgent cannot be found (a warning says why). Loaded and
/// validated once at start; a bad file stops the start with a message that names the problem. Agents registered through
/// the gateway join at run time (<see cref="AddRegistered"/>); one another node registered is read from the shared
/// registry the first time this node is asked for it (<see cref="FindAsync"/>), so it does not depend on the
/// cluster notification having arrived.
/// </summary>
internal sealed partial class AgentCatalog
{
    public const string EchoAgentId = "echo";

    private readonly Dictionary<string, AgentDefinition> _agents;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, AgentDefinition> _registered = new(StringComparer.Ordinal);
    // Resolved on the first miss, not at construction: the catalog is built (and a bad agents file refused) before
    // the store opens its database.
    private readonly Lazy<Storage.IGatewayAgentStore?> _registry;

    public AgentCatalog(IOptions<AgentServiceOptions> options, ILogger<AgentCatalog> logger, IServiceProvider? services = null)
    {
        _registry = new Lazy<Storage.IGatewayAgentStore?>(() => services?.GetService<Storage.IGatewayAgentStore>());
        var agents = options.Value.AgentsFile is { Length: > 0 } path ? Load(path) : [DefaultEcho(options.Value, logger)];
        _agents = agents.ToDictionary(a => a.Id, StringComparer.Ordinal);
        Default = agents.SingleOrDefault(a => a.Default) ?? agents[0];
        All = agents;
    }

    public AgentDefinition Default { get; }

    public IReadOnlyList<AgentDefinition> All { get; }

    /// <summary>An agent this node knows; use <see cref="FindAsync"/> where a miss answers a client with 404.</summary>
    public bool TryGet(string agentId, out AgentDefinition agent) =>
        _agents.TryGetValue(agentId, out agent!) || _registered.TryGetValue(agentId, out agent!);

    /// <summary>
    /// An agent by id, or <c>null</c>. One this node does not know yet is looked up in the gateway registry: with
    /// several nodes, an agent registered on another one is served here at once, before (or without) the cluster
    /// notification that tells this node of it.
    /// </summary>
    public ValueTask<AgentDefinition?> FindAsync(string agentId, CancellationToken cancellationToken) =>
        TryGet(agentId, out var agent) ? ValueTask.FromResult<AgentDefinition?>(agent)
        : _registry.Value is null || !IsValidId(agentId) ? ValueTask.FromResult<AgentDefinition?>(null)
        : new ValueTask<AgentDefinition?>(ReadRegisteredAsync(agentId, cancellationToken));

    /// <summary>Reads <paramref name="agentId"/> from the gateway registry into this catalog (an agent registered
    /// there, not one of an agents file); returns the agent as the catalog has it then.</summary>
    public async Task<AgentDefinition?> ReadRegisteredAsync(string agentId, CancellationToken cancellationToken)
    {
        if (_registry.Value is { } registry && await registry.GetAsync(agentId, cancellationToken) is { Hosted: false } registered)
        {
            AddRegistered(registered.Card.AgentId, registered.Card.AgentName, registered.Card.AgentType, registered.Card.Description);
        }

        return TryGet(agentId, out var agent) ? agent : null;
    }

    /// <summary>
    /// Makes an agent registered through the gateway an agent of the service too: it gets the Agent Protocol routes
    /// (<c>/agents/{id}/ap/v1/agent</c>) and its runs are executed by workers that claim them (worker mode). Agents of
    /// the agents file keep their own definition.
    /// </summary>
    public void AddRegistered(string agentId, string? name, string? type, string? description)
    {
        if (_agents.ContainsKey(agentId))
        {
            return;
        }

        _registered[agentId] = new AgentDefinition
        {
            Id = agentId,
            Name = name,
            Type = type,
            Description = description,
            Runtime = new AgentRuntimeDefinition { Mode = "worker" },
        };
    }

    public static bool IsValidId(string? id) => id is not null && AgentIdPattern().IsMatch(id);

    internal static List<AgentDefinition> Load(string path)
    {
        AgentsFile? file;
        try
        {
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize(stream, AgentsJsonContext.Default.AgentsFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read the agents file '{path}': {ex.Message}", ex);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"The agents file '{path}' is not valid: {ex.Message}", ex);
        }

        var agents = file?.Agents;
        if (agents is null || agents.Count == 0)
        {
            throw new InvalidOperationException($"The agents file '{path}' must be {{\"agents\": [...]}} with at least one agent.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            if (!IsValidId(agent.Id))
            {
                throw new InvalidOperationException(
                    $"The agents file '{path}' has an agent with id '{agent.Id}': ids are 1-64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit.");
            }

            if (!seen.Add(agent.Id))
            {
                throw new InvalidOperationException($"The agents file '{path}' defines agent '{agent.Id}' twice.");
            }

            if (agent.Runtime is { } runtime)
            {
                if (runtime.Mode is not ("launch" or "worker"))
                {
                    throw new InvalidOperationException($"Agent '{agent.Id}' in '{path}' has runtime mode '{runtime.Mode}'; use 'launch' or 'worker'.");
                }

                if (runtime.Mode == "launch" && string.IsNullOrWhiteSpace(runtime.Command))
                {
                    throw new InvalidOperationException($"Agent '{agent.Id}' in '{path}' has a runtime without a command (or set \"mode\": \"worker\").");
                }
            }
        }

        var defaults = agents.Where(a => a.Default).Select(a => a.Id).ToList();
        if (defaults.Count > 1)
        {
            throw new InvalidOperationException($"The agents file '{path}' marks more than one agent as default: {string.Join(", ", defaults)}.");
        }

        return agents;
    }

    private static AgentDefinition DefaultEcho(AgentServiceOptions options, ILogger logger)
    {
        if (options.DefaultAgent == DefaultAgentMode.Builtin)
        {
            return BuiltInEcho();
        }

        if (EchoAgentRuntime.Find(options.EchoAgentPath, out var path, out var problem) is not { } runtime)
        {
            Log.EchoAgentNotFound(logger, EchoAgentId, path, problem!);
            return BuiltInEcho();
        }

        Log.EchoAgentProcess(logger, EchoAgentId, string.Join(' ', [runtime.Command, .. runtime.Args]));
        return new AgentDefinition
        {
            Id = EchoAgentId,
            Name = "Echo",
            Type = "echo",
            Description = "The EchoAgent runtime, launched as a process per run: answers each step with its input and writes requested words to files.",
            Capabilities = ["echo", "write_file"],
            Default = true,
            Runtime = runtime,
        };
    }

    private static AgentDefinition BuiltInEcho() => new()
    {
        Id = EchoAgentId,
        Name = "Echo",
        Type = "echo",
        Description = "Built-in agent: answers each step with its input and writes requested words to files.",
        Capabilities = ["echo", "write_file"],
        Default = true,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex AgentIdPattern();
}
