using AgentService.Server.Agents;
using AgentService.Server.Storage;
using Microsoft.AspNetCore.Authorization;

namespace AgentService.Server.Security;

/// <summary>
/// The authorization policies every endpoint is mapped with. An endpoint mapped without one falls back to admins
/// only: a new endpoint is closed until someone opens it on purpose. A request that no endpoint serves (an unknown
/// path: 404; a known path with another method: 405) is let through for any valid key, so it gets that answer as
/// api.md says rather than a 403 about roles.
/// </summary>
internal static class AccessPolicies
{
    /// <summary>Keys, audit, agents' secrets and config.</summary>
    public const string Admin = "admin";

    /// <summary>The Agent Protocol and run APIs of one agent: admin, or a client key granted the agent.</summary>
    public const string AgentApi = "agent-api";

    /// <summary>Claiming an agent's runs: admin, or that agent's own key.</summary>
    public const string Worker = "worker";

    /// <summary>Gateway calls made as an agent (register, heartbeat, unregister, send); the API checks the body's agent.</summary>
    public const string GatewayAgent = "gateway-agent";

    /// <summary>Reading the gateway's registry: any key.</summary>
    public const string GatewayRead = "gateway-read";

    /// <summary>A runtime's calls for its run (run token), or an admin.</summary>
    public const string RunToken = "run-token";

    public static IServiceCollection AddAccessPolicies(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, AgentScopeHandler>();
        services.AddSingleton<IAuthorizationHandler, RunScopeHandler>();
        services.AddSingleton<IAuthorizationHandler, AdminOrUnroutedHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessDeniedWriter>();
        services.AddTransient<Microsoft.AspNetCore.Authorization.Policy.PolicyEvaluator>();
        services.AddTransient<Microsoft.AspNetCore.Authorization.Policy.IPolicyEvaluator, NoAuthPolicyEvaluator>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser()
                .AddRequirements(new AdminOrUnroutedRequirement()).Build())
            .AddPolicy(Admin, Policy(Roles.Admin))
            .AddPolicy(AgentApi, Policy([new AgentScopeRequirement()], Roles.Admin, Roles.Client))
            .AddPolicy(Worker, Policy([new AgentScopeRequirement()], Roles.Admin, Roles.Agent))
            .AddPolicy(GatewayAgent, Policy(Roles.Admin, Roles.Agent))
            .AddPolicy(GatewayRead, Policy(Roles.Admin, Roles.Client, Roles.Agent))
            .AddPolicy(RunToken, Policy([new RunScopeRequirement()], Roles.Admin, Roles.Run));
        return services;
    }

    private static AuthorizationPolicy Policy(params string[] roles) => Policy([], roles);

    private static AuthorizationPolicy Policy(IAuthorizationRequirement[] requirements, params string[] roles)
    {
        var builder = new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole(roles);
        foreach (var requirement in requirements)
        {
            builder.AddRequirements(requirement);
        }

        return builder.Build();
    }
}

/// <summary>The caller is an admin, or the request matched no endpoint (it is answered 404 or 405 with nothing done).</summary>
internal sealed class AdminOrUnroutedRequirement : IAuthorizationRequirement;

internal sealed class AdminOrUnroutedHandler : AuthorizationHandler<AdminOrUnroutedRequirement>
{
    // ASP.NET Core routing's endpoint for a known path asked with a method it does not serve.
    private const string MethodNotSupported = "405 HTTP Method Not Supported";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminOrUnroutedRequirement requirement)
    {
        if (context.User.IsAdmin() || (context.Resource is HttpContext http && http.GetEndpoint() is null or { DisplayName: MethodNotSupported }))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The caller must be allowed the agent the request addresses (<see cref="Caller.CanUseAgent"/>).</summary>
internal sealed class AgentScopeRequirement : IAuthorizationRequirement;

/// <summary>A run token must be for the run the request addresses.</summary>
internal sealed class RunScopeRequirement : IAuthorizationRequirement;

/// <summary>
/// Finds the agent a request addresses — the <c>agent_id</c>/<c>agentId</c> route value, the agent of the
/// <c>runId</c> route value's run, or the default agent for the unprefixed Agent Protocol routes — and checks the
/// caller may use it. A run that does not exist passes, so the endpoint answers its own 404; a run of an agent the
/// caller is not granted gets the same 404 (<see cref="HiddenResourceReason"/>), so run ids cannot be probed for
/// existence or for whose they are.
/// </summary>
internal sealed class AgentScopeHandler(AgentCatalog agents, IRunStore runs) : AuthorizationHandler<AgentScopeRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AgentScopeRequirement requirement)
    {
        if (context.User.IsAdmin())
        {
            context.Succeed(requirement);
            return;
        }

        if (context.Resource is not HttpContext http)
        {
            return;
        }

        var values = http.Request.RouteValues;
        string? agentId = (values["agent_id"] ?? values["agentId"]) as string;
        if (agentId is null && values["runId"] is string runId)
        {
            var run = await runs.GetRunAsync(runId, http.RequestAborted);
            if (run is null || context.User.CanUseAgent(run.AgentId))
            {
                context.Succeed(requirement);
            }
            else
            {
                context.Fail(new HiddenResourceReason(this, $"Unable to find run with the provided id '{runId}'.", $"This key is not granted agent '{run.AgentId}' (answered as an unknown run)."));
            }

            return;
        }

        if (agentId is null && http.Request.Path.StartsWithSegments("/ap", StringComparison.OrdinalIgnoreCase))
        {
            agentId = agents.Default.Id;
        }

        if (agentId is not null && context.User.CanUseAgent(agentId))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, agentId is null
                ? "This key does not reach this resource."
                : $"This key is not granted agent '{agentId}'."));
        }
    }
}

/// <summary>A run token reaches its own run and that run's sub-runs (the <c>runId</c> route value); admins reach every run.</summary>
internal sealed class RunScopeHandler(IRunStore runs) : AuthorizationHandler<RunScopeRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, RunScopeRequirement requirement)
    {
        if (context.User.IsAdmin())
        {
            context.Succeed(requirement);
            return;
        }

        if (context.Resource is HttpContext http && http.Request.RouteValues["runId"] is string runId && context.User.RunId() is { } tokenRun
            && (runId == tokenRun || await runs.CoversAsync(tokenRun, runId, http.RequestAborted)))
        {
            context.Succeed(requirement);
            return;
        }

        context.Fail(new AuthorizationFailureReason(this, "The run token does not cover this run."));
    }
}

/// <summary>
/// A refusal answered as the resource being unknown (<c>404</c> with <see cref="PublicMessage"/>), because a <c>403</c>
/// would tell the caller it exists. The audit log keeps the real reason and records the request as denied.
/// </summary>
internal sealed class HiddenResourceReason(IAuthorizationHandler handler, string publicMessage, string reason) : AuthorizationFailureReason(handler, reason)
{
    public string PublicMessage { get; } = publicMessage;
}
