using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Hosting;
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
        var group = endpoints.MapGroup("/gateway").WithTags("Gateway");
        group.MapPost("/register", RegisterAsync);
        group.MapPost("/heartbeat", HeartbeatAsync);
        group.MapPost("/unregister", UnregisterAsync);
        group.MapGet("/agents", ListAgentsAsync);
        group.MapGet("/status/{agent_id}", GetStatusAsync);
        group.MapPost("/send", SendAsync);
        group.MapGet("/health", GetHealthAsync);
        group.MapGet("/messages/{message_id}", GetMessageAsync);
        group.MapGet("/conversations/{conversation_id}/messages", ListConversationAsync);
        return endpoints;
    }

    private static async Task<JsonHttpResult<RegisterAgentResponse>> RegisterAsync(HttpContext context, GatewayService service, IOptions<AgentServiceOptions> limits)
    {
        using var body = await ReadBodyAsync(context, limits.Value);
        var (card, url) = GatewayRequestParsing.ParseRegistration(body);
        return TypedResults.Json(await service.RegisterAsync(card, url, context.RequestAborted), ProtocolJsonContext.Wire.RegisterAgentResponse);
    }

    private static async Task<JsonHttpResult<GatewayStatusResponse>> HeartbeatAsync(HttpContext context, GatewayService service, IOptions<AgentServiceOptions> limits)
    {
        using var body = await ReadBodyAsync(context, limits.Value);
        await service.HeartbeatAsync(GatewayRequestParsing.ParseAgentId(body), context.RequestAborted);
        return TypedResults.Json(new GatewayStatusResponse { Status = "ok" }, ProtocolJsonContext.Wire.GatewayStatusResponse);
    }

    private static async Task<JsonHttpResult<GatewayStatusResponse>> UnregisterAsync(HttpContext context, GatewayService service, IOptions<AgentServiceOptions> limits)
    {
        using var body = await ReadBodyAsync(context, limits.Value);
        await service.UnregisterAsync(GatewayRequestParsing.ParseAgentId(body), context.RequestAborted);
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
        var sent = await service.SendAsync(command, context.RequestAborted);
        var status = sent.Status == MessageStatus.Queued ? StatusCodes.Status202Accepted : StatusCodes.Status200OK;
        return TypedResults.Json(sent, ProtocolJsonContext.Wire.SendMessageResponse, statusCode: status);
    }

    private static async Task<JsonHttpResult<GatewayHealth>> GetHealthAsync(HttpContext context, GatewayService service) =>
        TypedResults.Json(await service.GetHealthAsync(context.RequestAborted), ProtocolJsonContext.Wire.GatewayHealth);

    private static async Task<JsonHttpResult<GatewayMessage>> GetMessageAsync(HttpContext context, GatewayService service, string message_id) =>
        TypedResults.Json(await service.GetMessageAsync(message_id, context.RequestAborted), ProtocolJsonContext.Wire.GatewayMessage);

    private static async Task<JsonHttpResult<ConversationMessagesResponse>> ListConversationAsync(HttpContext context, GatewayService service, string conversation_id)
    {
        var page = RequestParsing.ParsePaging(context.Request.Query);
        return TypedResults.Json(await service.ListConversationAsync(conversation_id, page, context.RequestAborted), ProtocolJsonContext.Wire.ConversationMessagesResponse);
    }

    private static Task<System.Text.Json.JsonDocument?> ReadBodyAsync(HttpContext context, AgentServiceOptions limits) =>
        JsonBody.ReadAsync(context.Request, limits.MaxJsonBodyBytes, limits.MaxJsonDepth, context.RequestAborted);
}
