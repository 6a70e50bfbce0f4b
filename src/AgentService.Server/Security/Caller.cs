using System.Security.Claims;
using AgentService.Server.Errors;

namespace AgentService.Server.Security;

/// <summary>Who is calling: the claims the authentication handler puts on the request's principal, and the checks the
/// APIs make with them.</summary>
internal static class Caller
{
    public const string ActorClaim = "agentsvc:actor";
    public const string AgentClaim = "agentsvc:agent";
    public const string RunClaim = "agentsvc:run";
    public const string KeyIdClaim = "agentsvc:key";

    /// <summary>Every agent: a client key granted <c>*</c>.</summary>
    public const string AllAgents = "*";

    public static ClaimsPrincipal Anonymous { get; } = Principal("anonymous", Roles.Admin, keyId: null, agents: [], runId: null);

    public static ClaimsPrincipal Principal(string actor, string role, string? keyId, IEnumerable<string> agents, string? runId)
    {
        var claims = new List<Claim> { new(ActorClaim, actor), new(ClaimTypes.Role, role) };
        if (keyId is not null)
        {
            claims.Add(new Claim(KeyIdClaim, keyId));
        }

        if (runId is not null)
        {
            claims.Add(new Claim(RunClaim, runId));
        }

        claims.AddRange(agents.Select(a => new Claim(AgentClaim, a)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyAuthenticationHandler.SchemeName, ActorClaim, ClaimTypes.Role));
    }

    /// <summary>The actor as the audit log names it.</summary>
    public static string Actor(this ClaimsPrincipal user) => user.FindFirst(ActorClaim)?.Value ?? "unauthenticated";

    public static string? KeyId(this ClaimsPrincipal user) => user.FindFirst(KeyIdClaim)?.Value;

    public static string? RunId(this ClaimsPrincipal user) => user.FindFirst(RunClaim)?.Value;

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>Whether the caller may use the Agent Protocol, run APIs or claims of <paramref name="agentId"/>:
    /// admins always; client keys when granted the agent (or <c>*</c>); agent keys for their own agent.</summary>
    public static bool CanUseAgent(this ClaimsPrincipal user, string agentId)
    {
        if (user.IsAdmin())
        {
            return true;
        }

        if (!user.IsInRole(Roles.Client) && !user.IsInRole(Roles.Agent))
        {
            return false;
        }

        foreach (var claim in user.FindAll(AgentClaim))
        {
            if (string.Equals(claim.Value, agentId, StringComparison.Ordinal) || (claim.Value == AllAgents && user.IsInRole(Roles.Client)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Refuses (403) a gateway call made for another agent than the caller's own (admins may act for any).</summary>
    public static void EnsureActsAs(this ClaimsPrincipal user, string agentId)
    {
        if (user.IsAdmin())
        {
            return;
        }

        if (!user.IsInRole(Roles.Agent) || !user.CanUseAgent(agentId))
        {
            throw new ServiceException(ErrorCode.Forbidden, $"This key cannot act as agent '{agentId}': an agent key acts only as its own agent.");
        }
    }
}
