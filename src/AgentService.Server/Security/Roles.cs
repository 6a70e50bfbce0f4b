namespace AgentService.Server.Security;

/// <summary>The roles of API keys, plus the role of a run token.</summary>
internal static class Roles
{
    /// <summary>Everything.</summary>
    public const string Admin = "admin";

    /// <summary>The Agent Protocol and run APIs of the agents the key is granted.</summary>
    public const string Client = "client";

    /// <summary>Gateway calls as its own agent, and claiming its agent's runs.</summary>
    public const string Agent = "agent";

    /// <summary>Not a key role: a runtime holding a run token (its run and that run's sub-runs).</summary>
    public const string Run = "run";

    public static bool IsKeyRole(string? role) => role is Admin or Client or Agent;
}
