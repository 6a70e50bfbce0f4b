using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Hosting;
using AgentService.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>
/// The Gateway endpoints at <c>/gateway</c>: the reference's seven (register, heartbeat, unregister, agents, status,
/// send, health) and the message lookups. Handlers only parse, call <see cref="GatewayService"/> and map; errors are
/// answered by the error edge as <c>{"detail": ...}</c>.
/// </summary>
internal static class GatewayApi
{
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints)
    {
        // Calls made as an agent need that agent's key (or an admin's): the body's agent is checked against the key.
        // Reads take any key; messages only for the agents they are between. Health is open.
        var group = endpoints.MapGroup("/gateway").WithTags("Gateway");
        group.MapPost("/register", RegisterAsync).RequireAuthorization(AccessPolicies.GatewayAgent);
        group.MapPost("/heartbeat", HeartbeatAsync).RequireAuthorization(AccessPolicies.GatewayAgent);
        group.MapPost("/unregister", UnregisterAsync).RequireAuthorization(AccessPolicies.GatewayAgent);
        group.MapGet("/agents", ListAgentsAsync).RequireAuthorization(AccessPolicies.GatewayRead);
        group.MapGet("/status/{agent_id}", GetStatusAsync).RequireAuthorization(AccessPolicies.GatewayRead);
        group.MapPost("/send", SendAsync).RequireAuthorization(AccessPolicies.GatewayAgent);
        group.MapGet("/health", GetHealthAsync).AllowAnonymous();
        group.MapGet("/messages/{message_id}", GetMessageAsync).RequireAuthorization(AccessPolicies.GatewayAgent);
        group.MapGet("/conversations/{conversation_id}/messages", ListConversationAsync).RequireAuthorization(AccessPolicies.GatewayAgent);
        return endpoints;
    }

    private static async Task<JsonHttpResult<RegisterAgentResponse>> RegisterAsync(HttpContext context, GatewayService service, IOptions<AgentServiceOptions> limits)
    {
        using var body = await ReadBodyAsync(context, limits.Value);
        var (card, url) = GatewayRequestParsing.ParseRegistration(body);
        AuditTarget.Set(context, $"agent_id={card.AgentId}");
        context.User.EnsureActsAs(card.AgentId);
        return TypedResults.Json(await service.RegisterAsync(card, url, context.RequestAborted), ProtocolJsonContext.Wire.RegisterAgentResponse);
    }

    private static async Task<JsonHttpResult<GatewayStatusResponse>> HeartbeatAsync(HttpContext context, GatewayService service, IOptions<AgentServiceOptions> limits)
    {
        using var body = await ReadBodyAsync(context, limits.Value);
        var agentId = GatewayRequestParsing.ParseAgentId(body);
        AuditTarget.Set(context, $"agent_id={agentId}");
        context.User.EnsureActsAs(agentId);
        await service.HeartbeatAsync(agentId, context.RequestAborted);
        return TypedResults.Json(new GatewayStatusResponse { Status = "ok" }, ProtocolJsonContext.Wire.GatewayStatusResponse);
    }

    private static async Task<JsonHttpResult<GatewayStatusResponse>> UnregisterAsync(HttpContext context, GatewayService service, IOptions<AgentServiceOptions> limits)
    {
        using var body = await ReadBodyAsync(context, limits.Value);
        var agentId = GatewayRequestParsing.ParseAgentId(body);
        AuditTarget.Set(context, $"agent_id={agentId}");
        context.User.EnsureActsAs(agentId);
        await service.UnregisterAsync(agentId, context.RequestAborted);
        return TypedResults.Json(new GatewayStatusResponse { Status = "unregistered" }, ProtocolJsonContext.Wire.GatewayStatusResponse);
    }

    private static async Task<JsonHttpResult<AgentListResponse>> ListAgentsAsync(HttpContext context, GatewayService service)
    {
        var (agentType, onlineOnly) = GatewayRequestParsing.ParseAgentQuery(context.Request.Query);
        return TypedResults.Json(await service.ListAgentsAsync(agentType, onlineOnly, context.RequestAborted), ProtocolJsonContext.Wire.AgentListResponse);
    }

    private static async Task<JsonHttpResult<AgentStatusResponse>> GetStatusAsync(HttpContext context, GatewayService service, string agent_id) =>
        TypedResults.Json(await service.GetStatusAsync(agent_id, context.RequestAborted), ProtocolJsonContext.Wire.AgentStatusResponse);

    private static async Task<JsonHttpResult<SendMessageResponse>> SendAsync(HttpContext context, GatewayService service, IOptions<AgentServiceOptions> limits)
    {
        using var body = await ReadBodyAsync(context, limits.Value);
        var command = GatewayRequestParsing.ParseSend(body);
        AuditTarget.Set(context, $"from={command.FromAgentId} to={command.ToAgentId}");
        context.User.EnsureActsAs(command.FromAgentId);
        var sent = await service.SendAsync(command, context.User.CanUseAgent, context.RequestAborted);
        AuditTarget.Set(context, $"message_id={sent.MessageId} to={command.ToAgentId}");
        var status = sent.Status == MessageStatus.Queued ? StatusCodes.Status202Accepted : StatusCodes.Status200OK;
        return TypedResults.Json(sent, ProtocolJsonContext.Wire.SendMessageResponse, statusCode: status);
    }

    private static async Task<JsonHttpResult<GatewayHealth>> GetHealthAsync(HttpContext context, GatewayService service) =>
        TypedResults.Json(await service.GetHealthAsync(context.RequestAborted), ProtocolJsonContext.Wire.GatewayHealth);

    private static async Task<JsonHttpResult<GatewayMessage>> GetMessageAsync(HttpContext context, GatewayService service, string message_id)
    {
        var message = await service.GetMessageAsync(message_id, context.RequestAborted);
        EnsureParty(context, message);
        return TypedResults.Json(message, ProtocolJsonContext.Wire.GatewayMessage);
    }

    private static async Task<JsonHttpResult<ConversationMessagesResponse>> ListConversationAsync(HttpContext context, GatewayService service, string conversation_id)
    {
        var page = RequestParsing.ParsePaging(context.Request.Query);
        var messages = await service.ListConversationAsync(conversation_id, page,
            m => IsParty(context, m.FromAgentId, m.ToAgentId), context.RequestAborted);
        return TypedResults.Json(messages, ProtocolJsonContext.Wire.ConversationMessagesResponse);
    }

    /// <summary>An agent key reads only messages from or to its agent.</summary>
    private static void EnsureParty(HttpContext context, GatewayMessage message)
    {
        if (!IsParty(context, message.FromAgentId, message.ToAgentId))
        {
            throw new Errors.ServiceException(Errors.ErrorCode.Forbidden, "An agent key reads only the messages from or to its own agent.");
        }
    }

    /// <summary>Whether the caller may read a message between these agents (admins may read any).</summary>
    private static bool IsParty(HttpContext context, string fromAgentId, string toAgentId) =>
        context.User.CanUseAgent(fromAgentId) || context.User.CanUseAgent(toAgentId);

    private static Task<System.Text.Json.JsonDocument?> ReadBodyAsync(HttpContext context, AgentServiceOptions limits) =>
        JsonBody.ReadAsync(context.Request, limits.MaxJsonBodyBytes, limits.MaxJsonDepth, context.RequestAborted);
}
