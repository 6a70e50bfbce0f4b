using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Schema;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Errors;
using AgentService.Server.Hosting;
using AgentService.Server.Interactions;
using AgentService.Server.Security;
using AgentService.Server.Json;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Runs;

/// <summary>
/// The run event model over HTTP: a run's tool calls and interactions (listed in log order, paged with
/// <c>after</c>/<c>limit</c>), a response to an interaction, and the run's snapshot with its log watermark.
/// </summary>
internal static class RunModelApi
{
    public static IEndpointRouteBuilder MapRunModel(this IEndpointRouteBuilder endpoints)
    {
        // Like the rest of /v1/runs: admins and client keys granted the run's agent.
        var group = endpoints.MapGroup("/v1/runs").WithTags("Runs").RequireAuthorization(Security.AccessPolicies.AgentApi);
        group.MapGet("/{runId}/tool-calls", ListToolCallsAsync);
        group.MapGet("/{runId}/interactions", ListInteractionsAsync);
        group.MapPost("/{runId}/interactions/{interactionId}", RespondAsync);
        group.MapGet("/{runId}/snapshot", GetSnapshotAsync);
        return endpoints;
    }

    private static async Task<IResult> ListToolCallsAsync(string runId, HttpRequest request, IRunStore runs, IRunModelStore model, CancellationToken cancellationToken)
    {
        var (after, limit) = await PageAsync(runId, request, runs, cancellationToken);
        var page = await model.ListToolCallsAsync(runId, after, limit + 1, cancellationToken);
        return RunsApi.LogPage("toolCalls", page, limit, after, r => r.Position, RunModelJson.WriteToolCall);
    }

    private static async Task<IResult> ListInteractionsAsync(string runId, HttpRequest request, IRunStore runs, IRunModelStore model, CancellationToken cancellationToken)
    {
        var (after, limit) = await PageAsync(runId, request, runs, cancellationToken);
        var page = await model.ListInteractionsAsync(runId, after, limit + 1, cancellationToken);
        return RunsApi.LogPage("interactions", page, limit, after, r => r.Position, RunModelJson.WriteInteraction);
    }

    private static async Task<IResult> GetSnapshotAsync(string runId, IRunModelStore model, CancellationToken cancellationToken)
    {
        RequireRunId(runId);
        var snapshot = await model.GetSnapshotAsync(runId, cancellationToken) ?? throw RunNotFound(runId);
        return JsonObjectResult.Of(w => RunModelJson.WriteSnapshot(w, snapshot));
    }

    /// <summary>
    /// Answers an interaction: <c>{"action": "approve" | "deny" | "answer", "response": ..., "reason": "..."}</c>.
    /// approve is for approval and confirmation, answer for input (validated against its responseSchema) and choice
    /// (a choice id); deny for any kind. 200 with the resolved interaction; 404 unknown; 409 already resolved, expired
    /// or the run finished; 422 invalid, naming the pointer.
    /// </summary>
    private static async Task<IResult> RespondAsync(string runId, string interactionId, HttpContext context, IRunStore runs, IRunModelStore model,
        InteractionService interactions, IOptions<AgentServiceOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        RequireRunId(runId);
        if (!TypeId.IsValid(interactionId, "ixn"))
        {
            throw ServiceException.NotFound($"Unable to find interaction '{interactionId}' of run '{runId}'.");
        }

        _ = await runs.GetRunAsync(runId, cancellationToken) ?? throw RunNotFound(runId);
        using var body = await JsonBody.ReadAsync(context.Request, options.Value.MaxJsonBodyBytes, options.Value.MaxJsonDepth, cancellationToken)
            ?? throw ServiceException.Invalid("body", "must be a JSON object with an action");
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ServiceException.Invalid("body", "must be a JSON object with an action");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("action" or "response" or "reason"))
            {
                throw ServiceException.Invalid(property.Name, "is not a member of an interaction response (action, response, reason)");
            }
        }

        var action = root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String && a.GetString() is "approve" or "deny" or "answer"
            ? a.GetString()!
            : throw ServiceException.Invalid("action", "must be 'approve', 'deny' or 'answer'");
        string? reason = null;
        if (root.TryGetProperty("reason", out var r))
        {
            reason = r.ValueKind == JsonValueKind.String && r.GetString()!.Length <= 4096 ? r.GetString() : throw ServiceException.Invalid("reason", "must be a string of at most 4096 characters");
        }

        var hasResponse = root.TryGetProperty("response", out var response);
        if (hasResponse != (action == "answer"))
        {
            throw ServiceException.Invalid("response", action == "answer" ? "is required to answer" : "is only sent with action 'answer'");
        }

        var interaction = await model.GetInteractionAsync(runId, interactionId, cancellationToken)
            ?? throw ServiceException.NotFound($"Unable to find interaction '{interactionId}' of run '{runId}'.");
        if (interaction.Status != InteractionRecord.Pending)
        {
            throw new ServiceException(ErrorCode.Conflict, $"Interaction {interactionId} is already resolved ({interaction.Outcome}).");
        }

        // Past its expiresAt an interaction takes no answer, even before the sweep has closed it as its onExpiry says.
        if (interaction.ExpiresAt is { } expiresAt && expiresAt <= time.GetUtcNow())
        {
            throw new ServiceException(ErrorCode.Conflict, $"Interaction {interactionId} expired at {Runtime.RuntimeSession.Timestamp(expiresAt)}.");
        }

        using var request = JsonDocument.Parse(interaction.Request);
        var outcome = action switch
        {
            "approve" when interaction.Kind is "approval" or "confirmation" => "approved",
            "approve" => throw ServiceException.Invalid("action", $"a {interaction.Kind} interaction is answered (action 'answer') or denied"),
            "deny" => "denied",
            _ when interaction.Kind is "input" => CheckInput(interactionId, request.RootElement, response),
            _ when interaction.Kind is "choice" => CheckChoice(request.RootElement, response),
            _ => throw ServiceException.Invalid("action", $"a {interaction.Kind} interaction is approved or denied, not answered"),
        };

        var result = await interactions.ResolveAsync(
            new InteractionResolution(runId, interactionId, outcome, outcome, hasResponse ? response.GetRawText() : null, reason, Responder(context.User), false,
                Observability.RequestTraceContext.CurrentOrNew()),
            cancellationToken);
        return JsonObjectResult.Of(w =>
        {
            w.WriteString("runId", runId);
            w.WriteString("deliveryId", result.Delivery!.DeliveryId);
            w.WriteNumber("sequence", result.Delivery.Sequence);
            w.WritePropertyName("interaction");
            RunModelJson.WriteInteraction(w, result.Interaction!);
        });
    }

    private static string CheckInput(string interactionId, JsonElement request, JsonElement response)
    {
        if (request.TryGetProperty("responseSchema", out var schema))
        {
            SchemaValidationResult validation;
            try
            {
                validation = ResponseSchema.Compile(interactionId, schema).Validate(response);
            }
            catch (JsonSchemaException ex)
            {
                throw new ServiceException(ErrorCode.Conflict, $"The interaction's responseSchema cannot be used: {ex.Message}");
            }

            if (!validation.IsValid)
            {
                var errors = validation.Errors
                    .Select(e => new Protocol.AgentProtocol.FieldError { Field = "response" + e.InstanceLocation, Message = e.Message })
                    .ToList();
                var best = validation.BestMatch!;
                throw new ServiceException(ErrorCode.InvalidRequest,
                    $"The response does not match the interaction's responseSchema at '/response{best.InstanceLocation}': {best.Message}", errors);
            }
        }

        return "submitted";
    }

    private static string CheckChoice(JsonElement request, JsonElement response)
    {
        var ids = request.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array
            ? choices.EnumerateArray().Select(c => c.TryGetProperty("id", out var id) ? id.GetString() : null).ToList()
            : [];
        return response.ValueKind == JsonValueKind.String && ids.Contains(response.GetString())
            ? "submitted"
            : throw ServiceException.Invalid("response", $"must be one of the choice ids: {string.Join(", ", ids)}");
    }

    private static async Task<(long After, int Limit)> PageAsync(string runId, HttpRequest request, IRunStore runs, CancellationToken cancellationToken)
    {
        RequireRunId(runId);
        var after = RunsApi.QueryLong(request, "after", 0, 0, long.MaxValue);
        var limit = (int)RunsApi.QueryLong(request, "limit", 100, 1, 1000);
        _ = await runs.GetRunAsync(runId, cancellationToken) ?? throw RunNotFound(runId);
        return (after, limit);
    }

    /// <summary>An id that cannot be a run's is not found, like an unknown one (ids in paths are looked up, as on
    /// the other run routes).</summary>
    private static void RequireRunId(string runId)
    {
        if (!TypeId.IsValid(runId, IdPrefixes.Run))
        {
            throw RunNotFound(runId);
        }
    }

    private static ServiceException RunNotFound(string runId) => ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");


    /// <summary>Who answered: the user behind the API key (its audit actor, e.g. <c>key:key0123...</c>), or just
    /// <c>user</c> in auth mode none.</summary>
    private static string Responder(System.Security.Claims.ClaimsPrincipal user) =>
        user.KeyId() is { } keyId ? JsonText.Object(w => { w.WriteString("type", "user"); w.WriteString("id", "key:" + keyId); }) : """{"type":"user"}""";
}
