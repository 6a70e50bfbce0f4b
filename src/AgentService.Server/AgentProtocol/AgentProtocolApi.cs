using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Json;
using AgentService.Server.Errors;
using AgentService.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentService.Server.AgentProtocol;

/// <summary>
/// The Agent Protocol v1 endpoints: at <c>/ap/v1/agent</c> for the default agent and at
/// <c>/agents/{agent_id}/ap/v1/agent</c> for every defined agent, with the same contract.
/// Handlers only parse, call <see cref="AgentProtocolService"/> and map.
/// </summary>
internal static class AgentProtocolApi
{
    public const string AgentRouteParameter = "agent_id";

    public static IEndpointRouteBuilder MapAgentProtocol(this IEndpointRouteBuilder endpoints)
    {
        // Admins, and client keys granted the addressed agent (Security/AccessPolicies).
        MapOperations(endpoints.MapGroup("/ap/v1/agent").WithTags("Agent Protocol").RequireAuthorization(AccessPolicies.AgentApi));
        MapOperations(endpoints.MapGroup($"/agents/{{{AgentRouteParameter}}}/ap/v1/agent").WithTags("Agent Protocol (per agent)").RequireAuthorization(AccessPolicies.AgentApi));
        return endpoints;
    }

    private static void MapOperations(RouteGroupBuilder group)
    {
        group.MapPost("/tasks", CreateTaskAsync);
        group.MapGet("/tasks", ListTasksAsync);
        group.MapGet("/tasks/{task_id}", GetTaskAsync);
        group.MapGet("/tasks/{task_id}/steps", ListStepsAsync);
        group.MapPost("/tasks/{task_id}/steps", ExecuteStepAsync);
        group.MapGet("/tasks/{task_id}/steps/{step_id}", GetStepAsync);
        group.MapGet("/tasks/{task_id}/artifacts", ListArtifactsAsync);
        group.MapPost("/tasks/{task_id}/artifacts", UploadArtifactAsync);
        group.MapGet("/tasks/{task_id}/artifacts/{artifact_id}", DownloadArtifactAsync);
    }

    private static async Task<JsonHttpResult<AgentTask>> CreateTaskAsync(HttpContext context, AgentProtocolService service)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        using var body = await JsonBody.ReadAsync(context.Request, service.Options.MaxJsonBodyBytes, service.Options.MaxJsonDepth, context.RequestAborted);
        var (input, additionalInput) = RequestParsing.ParseInputBody(body);
        var task = await service.CreateTaskAsync(agent, input, additionalInput, context.RequestAborted);
        AuditTarget.Set(context, $"agent_id={agent.Id} task_id={task.TaskId}");
        return TypedResults.Json(task, ProtocolJsonContext.Wire.AgentTask);
    }

    private static async Task<JsonHttpResult<TaskListResponse>> ListTasksAsync(HttpContext context, AgentProtocolService service)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        var page = RequestParsing.ParsePaging(context.Request.Query);
        return TypedResults.Json(await service.ListTasksAsync(agent, page, context.RequestAborted), ProtocolJsonContext.Wire.TaskListResponse);
    }

    private static async Task<JsonHttpResult<AgentTask>> GetTaskAsync(HttpContext context, AgentProtocolService service, string task_id)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        return TypedResults.Json(await service.GetTaskAsync(agent, task_id, context.RequestAborted), ProtocolJsonContext.Wire.AgentTask);
    }

    private static async Task<JsonHttpResult<StepListResponse>> ListStepsAsync(HttpContext context, AgentProtocolService service, string task_id)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        var page = RequestParsing.ParsePaging(context.Request.Query);
        return TypedResults.Json(await service.ListStepsAsync(agent, task_id, page, context.RequestAborted), ProtocolJsonContext.Wire.StepListResponse);
    }

    private static async Task<JsonHttpResult<TaskStep>> ExecuteStepAsync(HttpContext context, AgentProtocolService service, string task_id)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        using var body = await JsonBody.ReadAsync(context.Request, service.Options.MaxJsonBodyBytes, service.Options.MaxJsonDepth, context.RequestAborted);
        var (input, additionalInput) = RequestParsing.ParseInputBody(body);
        var wait = StepWait.Resolve(context, service.Options);
        var step = await service.ExecuteStepAsync(agent, task_id, input, additionalInput, wait, context.RequestAborted);
        return TypedResults.Json(step, ProtocolJsonContext.Wire.TaskStep);
    }

    private static async Task<JsonHttpResult<TaskStep>> GetStepAsync(HttpContext context, AgentProtocolService service, string task_id, string step_id)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        return TypedResults.Json(await service.GetStepAsync(agent, task_id, step_id, context.RequestAborted), ProtocolJsonContext.Wire.TaskStep);
    }

    private static async Task<JsonHttpResult<ArtifactListResponse>> ListArtifactsAsync(HttpContext context, AgentProtocolService service, string task_id)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        var page = RequestParsing.ParsePaging(context.Request.Query);
        return TypedResults.Json(await service.ListArtifactsAsync(agent, task_id, page, context.RequestAborted), ProtocolJsonContext.Wire.ArtifactListResponse);
    }

    private static async Task<JsonHttpResult<Artifact>> UploadArtifactAsync(HttpContext context, AgentProtocolService service, string task_id)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        var artifact = await ArtifactUpload.ReceiveAsync(context, service, agent, task_id);
        return TypedResults.Json(artifact, ProtocolJsonContext.Wire.Artifact);
    }

    private static async Task<FileStreamHttpResult> DownloadArtifactAsync(HttpContext context, AgentProtocolService service, string task_id, string artifact_id)
    {
        var agent = await service.ResolveAgentAsync(AgentId(context), context.RequestAborted);
        var (artifact, content) = await service.OpenArtifactAsync(agent, task_id, artifact_id, context.RequestAborted);
        CheckRange(context, content);
        return TypedResults.Stream(content, "application/octet-stream", artifact.FileName, artifact.CreatedAt, enableRangeProcessing: true);
    }

    /// <summary>
    /// What the download's range processing is given: a <c>Range</c> in a unit other than bytes, or one that does not
    /// parse, is ignored (the whole content, 200; RFC 9110 §14.2); byte ranges that all start beyond the end are
    /// answered <c>416</c> with the content's length and a JSON body like every other error. The rest (206) is the
    /// framework's.
    /// </summary>
    private static void CheckRange(HttpContext context, Stream content)
    {
        if (context.Request.Headers.Range is not { Count: > 0 } header)
        {
            return;
        }

        if (!Microsoft.Net.Http.Headers.RangeHeaderValue.TryParse(header.ToString(), out var range)
            || !"bytes".Equals(range.Unit.Value, StringComparison.OrdinalIgnoreCase) || range.Ranges.Count == 0)
        {
            context.Request.Headers.Remove("Range");
            return;
        }

        if (!content.CanSeek)
        {
            return;
        }

        var length = content.Length;
        if (!range.Ranges.Any(r => r.From is { } from ? from < length : r.To is > 0 && length > 0))
        {
            content.Dispose();
            context.Response.Headers.ContentRange = $"bytes */{length}";
            throw new ServiceException(ErrorCode.RangeNotSatisfiable, $"No range of '{header}' lies within the artifact's {length} bytes.");
        }
    }

    private static string? AgentId(HttpContext context) => context.Request.RouteValues[AgentRouteParameter] as string;
}
