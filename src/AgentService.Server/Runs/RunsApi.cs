using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Errors;
using AgentService.Server.Json;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary>
/// <c>/v1/runs</c>: runs are visible (status, waiting reason, attempts, connection, capabilities), their stored event
/// log can be read in pages, and a runtime stores artifact bytes for its run with its run token.
/// </summary>
internal static class RunsApi
{
    public static IEndpointRouteBuilder MapRuns(this IEndpointRouteBuilder endpoints)
    {
        // Admins and client keys granted the run's agent; a runtime uploads its artifacts with its run token.
        var group = endpoints.MapGroup("/v1/runs").WithTags("Runs").RequireAuthorization(Security.AccessPolicies.AgentApi);
        group.MapGet("/{runId}", GetRunAsync);
        group.MapGet("/{runId}/events", ListEventsAsync);
        group.MapPost("/{runId}/cancel", CancelAsync);
        group.MapGet("/{runId}/children", RunListsApi.ListChildrenAsync);
        endpoints.MapPost("/v1/runs/{runId}/artifacts", UploadArtifactAsync).WithTags("Runs").RequireAuthorization(Security.AccessPolicies.RunToken);
        endpoints.MapGet("/v1/runs/{runId}/artifacts/{artifactId}", DownloadArtifactAsync).WithTags("Runs").RequireAuthorization(Security.AccessPolicies.RunToken);
        return endpoints;
    }

    private static async Task<IResult> GetRunAsync(string runId, IRunStore runs, RuntimeSignals signals, CancellationToken cancellationToken)
    {
        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        var attempts = await runs.ListAttemptsAsync(runId, cancellationToken);
        var current = attempts.Count > 0 ? attempts[^1] : null;
        var children = await runs.ListChildrenAsync(runId, null, 101, cancellationToken);
        var dependencies = await runs.ListDependenciesAsync(runId, cancellationToken);
        return JsonObjectResult.Of(w =>
        {
            w.WriteString("runId", run.RunId);
            w.WriteString("agentId", run.AgentId);
            w.WriteString("sessionId", run.SessionId);
            w.WriteString("status", run.Status);
            w.WriteRawOrNull("waitingFor", run.WaitingFor);

            w.WriteString("parentRunId", run.ParentRunId);
            w.WriteString("rootRunId", run.RootRunId);
            if (run.Hosting is not null)
            {
                // A sub-run's links, each present (null when the spawn named no tool call).
                w.WriteString("hosting", run.Hosting);
                w.WriteBoolean("await", run.Awaited);
                w.WriteString("parentToolCallId", run.ParentToolCallId);
            }

            // The first 100 children's ids; GET .../children pages through all of them with their status.
            w.WriteStartArray("children");
            foreach (var child in children.Take(100))
            {
                w.WriteStringValue(child.RunId);
            }

            w.WriteEndArray();
            w.WriteBoolean("moreChildren", children.Count > 100);

            // The runs that must complete before this one starts (a spawn's dependsOn), with their status now.
            RunModelJson.WriteDependencies(w, dependencies);
            w.WriteString("traceparent", run.Traceparent);
            w.WriteString("createdAt", RuntimeSession.Timestamp(run.CreatedAt));
            w.WriteString("updatedAt", RuntimeSession.Timestamp(run.UpdatedAt));
            w.WriteNumber("eventCount", run.EventCount);
            w.WritePropertyName("connection");
            if (current is { Status: AttemptStatus.Active, ConnectionId: { } connection })
            {
                w.WriteStartObject();
                w.WriteString("runtimeConnectionId", connection);
                w.WriteString("attemptId", current.AttemptId);
                w.WriteString("runtimeInstanceId", current.InstanceId);
                w.WriteBoolean("attachedHere", signals.IsAttached(run.RunId));
                w.WriteEndObject();
            }
            else
            {
                w.WriteNullValue();
            }

            w.WritePropertyName("effectiveCapabilities");
            if (current?.Capabilities is { } capabilities)
            {
                w.WriteRawValue(capabilities);
            }
            else
            {
                w.WriteStartArray();
                w.WriteEndArray();
            }

            w.WriteStartArray("attempts");
            foreach (var a in attempts)
            {
                w.WriteStartObject();
                w.WriteString("attemptId", a.AttemptId);
                w.WriteNumber("number", a.Number);
                w.WriteString("status", a.Status);
                w.WriteString("runtimeInstanceId", a.InstanceId);
                if (a.ConnectionEpoch is { } epoch)
                {
                    w.WriteNumber("connectionEpoch", epoch);
                }

                if (a.LeaseExpiresAt is { } lease)
                {
                    w.WriteString("leaseExpiresAt", RuntimeSession.Timestamp(lease));
                }

                w.WriteNumber("outputSeq", a.OutputSeq);
                w.WriteString("exitReason", a.ExitReason);
                w.WriteString("createdAt", RuntimeSession.Timestamp(a.CreatedAt));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static async Task<IResult> ListEventsAsync(string runId, HttpRequest request, IRunStore runs, IEventLog events, CancellationToken cancellationToken)
    {
        var after = QueryLong(request, "after", 0, 0, long.MaxValue);
        var limit = (int)QueryLong(request, "limit", 100, 1, 1000);
        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        var page = await events.ListAsync(run.RunId, after, limit + 1, cancellationToken);
        return LogPage("events", page, limit, after, e => e.Position, (w, e) => JsonText.WriteEventWithPosition(w, e.Body, e.Position));
    }

    /// <summary>
    /// A page of a run's records in log order, <c>{"NAME": [...], "after": POSITION, "more": bool}</c>, from
    /// <paramref name="page"/> read with one more than <paramref name="limit"/>: that one tells whether another page
    /// follows ("more" is false on the last page, even a full one) and is not shown.
    /// </summary>
    internal static JsonObjectResult LogPage<T>(string name, IReadOnlyList<T> page, int limit, long after, Func<T, long> position, Action<Utf8JsonWriter, T> write) =>
        JsonObjectResult.Of(w =>
        {
            var shown = Math.Min(page.Count, limit);
            w.WriteStartArray(name);
            for (var i = 0; i < shown; i++)
            {
                write(w, page[i]);
            }

            w.WriteEndArray();
            w.WriteNumber("after", shown > 0 ? position(page[shown - 1]) : after);
            w.WriteBoolean("more", page.Count > limit);
        });

    /// <summary>
    /// Cancels a run: a <c>cancel</c> delivery (graceful by default, or <c>{"mode": "immediate"}</c>, with an optional
    /// <c>reason</c>) is stored as the run's next input and pushed to its runtime, which stops its work and finishes
    /// the run as cancelled. 202 with the delivery; 409 when the run is already finished.
    /// </summary>
    private static async Task<IResult> CancelAsync(string runId, HttpContext context, IRunStore runs, RuntimeSignals signals, ILoggerFactory loggers,
        RuntimeLauncher launcher, Agents.AgentCatalog agents, StepNotifier steps, Microsoft.Extensions.Options.IOptions<Hosting.AgentServiceOptions> options,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(RunsApi).FullName!);
        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        using var body = await JsonBody.ReadAsync(context.Request, options.Value.MaxJsonBodyBytes, options.Value.MaxJsonDepth, cancellationToken);
        var mode = "graceful";
        string? reason = null;
        var cascade = true;
        if (body is not null)
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ServiceException.Invalid("body", "must be an object");
            }

            foreach (var member in root.EnumerateObject())
            {
                if (member.Name is not ("mode" or "reason" or "cascade"))
                {
                    throw ServiceException.Invalid(member.Name, "is not a member of a cancel request (mode, reason, cascade)");
                }
            }

            if (root.TryGetProperty("mode", out var m))
            {
                mode = m.ValueKind == JsonValueKind.String && m.GetString() is "graceful" or "immediate" ? m.GetString()! : throw ServiceException.Invalid("mode", "must be 'graceful' or 'immediate'");
            }

            if (root.TryGetProperty("cascade", out var c))
            {
                cascade = c.ValueKind is JsonValueKind.True or JsonValueKind.False ? c.GetBoolean() : throw ServiceException.Invalid("cascade", "must be true or false");
            }

            if (root.TryGetProperty("reason", out var r))
            {
                reason = r.ValueKind == JsonValueKind.String && r.GetString()!.Length <= 4096 ? r.GetString() : throw ServiceException.Invalid("reason", "must be a string of at most 4096 characters");
            }
        }

        // The request is checked before the run's state, as every other endpoint does: a malformed one is 415 or 422
        // whether the run has ended or not.
        if (RunStatus.IsTerminal(run.Status))
        {
            throw new ServiceException(ErrorCode.Conflict, $"Run {runId} is already {run.Status}.");
        }

        var payload = JsonText.Object(w =>
        {
            w.WriteString("mode", mode);
            if (reason is not null)
            {
                w.WriteString("reason", reason);
            }

            w.WriteBoolean("cascade", cascade);
            w.WriteStartObject("requestedBy");
            w.WriteString("type", "user");
            w.WriteEndObject();
        });

        // The run and every unfinished sub-run below it (without cascade: only those living in its runtime, its local
        // sub-runs) get a durable cancel delivery in one transaction.
        var cancelled = await runs.CancelTreeAsync(runId, cascade, payload, Observability.RequestTraceContext.CurrentOrNew(), cancellationToken);
        if (cancelled.Count == 0 || cancelled[0].Run.RunId != runId)
        {
            throw new ServiceException(ErrorCode.Conflict, $"Run {runId} is already finished.");
        }

        var delivery = cancelled[0].Delivery;
        foreach (var (target, _) in cancelled)
        {
            if (target.AttemptCount == 0 && agents.TryGet(target.AgentId, out var agent) && agent.Runtime is { Mode: "worker" })
            {
                // No worker has claimed the run, and none may ever come: it ends here, cancelled, with its steps
                // (unless a worker claimed it meanwhile: then the worker gets the cancel).
                foreach (var step in await runs.EndRunAsync(target.RunId, RunStatus.Cancelled, "cancelled", reason ?? "Cancelled before any worker claimed the run.", onlyIfNeverAttempted: true, CancellationToken.None))
                {
                    steps.Publish(step);
                }
            }

            signals.DeliveriesAvailable(target.RunId);
            signals.WorkAvailable(target.AgentId);
            await launcher.EnsureRuntimeAsync(target.RunId, cancellationToken);
        }

        if (cancelled.Count > 1)
        {
            Observability.Log.CancelCascaded(logger, runId, cancelled.Count - 1);
        }
        // The answer is the stored cancel's — a cancel already pending answers for this one, with the mode the runtime will
        // act on — and the run's status now: "cancelled" when the service ended it itself (nothing had started it).
        var status = (await runs.GetRunAsync(runId, cancellationToken))?.Status ?? RunStatus.Cancelled;
        return JsonObjectResult.Of(w =>
        {
            w.WriteString("runId", runId);
            w.WriteString("deliveryId", delivery.DeliveryId);
            w.WriteNumber("sequence", delivery.Sequence);
            w.WriteString("mode", CancelPayload.IsImmediate(delivery.Payload) ? "immediate" : "graceful");
            w.WriteString("status", status);
        }, StatusCodes.Status202Accepted);
    }

    /// <summary>A runtime reads back bytes of its run (run token), e.g. the state of a checkpoint saved as a stateRef.
    /// The RunToken policy let through only a token of this run or of one above it (or an admin).</summary>
    private static async Task<IResult> DownloadArtifactAsync(string runId, string artifactId, IRunStore runs, AgentProtocolService service, CancellationToken cancellationToken)
    {
        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        var (artifact, content) = await service.OpenArtifactAsync(await service.ResolveAgentAsync(run.AgentId, cancellationToken), run.RootRunId, artifactId, cancellationToken);
        return TypedResults.Stream(content, "application/octet-stream", artifact.FileName, artifact.CreatedAt);
    }

    /// <summary>A runtime stores bytes for its run (run token). The artifact is agent-created; an
    /// <c>artifact.created</c> event then links it to the step that produced it.</summary>
    private static async Task<IResult> UploadArtifactAsync(string runId, HttpContext context, IRunStore runs, AgentProtocolService service, CancellationToken cancellationToken)
    {
        // The RunToken policy let through only a token of this run or of one above it (or an admin).
        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        var agent = await service.ResolveAgentAsync(run.AgentId, cancellationToken);
        var artifact = await ArtifactUpload.ReceiveAsync(context, service, agent, run.RootRunId, agentCreated: true);
        var stored = await service.GetArtifactRecordAsync(run.RootRunId, artifact.ArtifactId, cancellationToken);
        return JsonObjectResult.Of(w =>
        {
            w.WriteString("artifactId", stored.ArtifactId);
            w.WriteString("uri", $"/runs/{runId}/artifacts/{stored.ArtifactId}/versions/1");
            w.WriteString("mediaType", "application/octet-stream");
            w.WriteString("name", stored.FileName);
            w.WriteNumber("version", 1);
            w.WriteNumber("sizeBytes", stored.Size);
            w.WriteStartObject("digest");
            w.WriteString("algorithm", "sha256");
            w.WriteString("value", stored.BlobHash);
            w.WriteEndObject();
        });
    }

    internal static long QueryLong(HttpRequest request, string name, long fallback, long min, long max)
    {
        if (request.Query[name].Count > 1)
        {
            throw ServiceException.Invalid(name, "must be given once");
        }

        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw ServiceException.Invalid(name, $"must be an integer from {min} to {max}");
    }

}
