using AgentService.Server.Errors;

namespace AgentService.Server.Runtime;

/// <summary><c>GET /runtime</c>: the WebSocket of the runtime connection protocol. The upgrade request carries the run
/// token (<c>Authorization: Bearer</c>); a missing or unknown token is a 401 before any upgrade.</summary>
internal static class RuntimeEndpoint
{
    public static IEndpointRouteBuilder MapRuntime(this IEndpointRouteBuilder endpoints)
    {
        // The run token is checked here, not by an API key policy: it is the runtime's only credential.
        endpoints.Map("/runtime", HandleAsync).AllowAnonymous();
        return endpoints;
    }

    private static async Task HandleAsync(HttpContext context, RuntimeServices services, Security.CredentialVerifier verifier, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        // Credentials first, like every endpoint: without a valid token, nothing else about the request is answered.
        var token = RunTokens.FromHeader(context.Request.Headers.Authorization);
        var runId = token is null ? null : await verifier.VerifyRunTokenAsync(token, context.RequestAborted);
        if (runId is null)
        {
            throw new ServiceException(ErrorCode.Unauthenticated, "A valid run token of an unfinished run is required: Authorization: Bearer <run token>.");
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw new ServiceException(ErrorCode.InvalidRequest, "/runtime speaks the runtime connection protocol over a WebSocket upgrade.");
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var session = new RuntimeSession(socket, runId, services, loggers.CreateLogger<RuntimeSession>(), context.Connection.RemoteIpAddress?.ToString());
        await session.RunAsync(lifetime.ApplicationStopping);
    }
}
