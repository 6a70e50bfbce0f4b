using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Runtime;
using AgentService.Server.Security;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Runs;

/// <summary>
/// Worker mode: <c>POST /v1/agents/{agentId}/claims?waitSeconds=N</c> with <c>{"workerId", "leaseSeconds"}</c> leases a
/// run that has work to the calling worker and answers its run id, attempt id and run token (200), or 204 when no
/// work came within the wait. Claims are atomic in the store: two workers never get the same run.
/// </summary>
internal static class ClaimsApi
{
    public static IEndpointRouteBuilder MapClaims(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/agents/{agentId}/claims", ClaimAsync).WithTags("Runs").RequireAuthorization(Security.AccessPolicies.Worker);
        endpoints.MapPost("/v1/runs/{runId}/release", ReleaseAsync).WithTags("Runs").RequireAuthorization(Security.AccessPolicies.RunToken);
        return endpoints;
    }

    /// <summary>Whether the request's bearer token is the worker token (compared in constant time).</summary>
    private static bool CarriesWorkerToken(HttpContext context, string workerToken) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(RunTokens.FromHeader(context.Request.Headers.Authorization) ?? ""), Encoding.UTF8.GetBytes(workerToken));

    /// <summary>
    /// <c>POST /v1/runs/{runId}/release</c> with <c>{"attemptId"}</c> (the run token, or an admin): a worker gives its
    /// claimed attempt back — it stopped, or the run went idle — so the run's next input goes to the next claim at once
    /// instead of after the lease and its grace. The attempt ends (<c>released by the worker</c>, not a failure), its
    /// connection is closed (1000) and its local sub-runs end with it. 204; also when the attempt was over already.
    /// </summary>
    private static async Task<IResult> ReleaseAsync(string runId, HttpContext context, AgentCatalog agents, IRunStore runs, RuntimeSignals signals,
        IOptions<Hosting.AgentServiceOptions> serviceOptions, IOptions<RuntimeOptions> options, IOptions<Security.AuthOptions> auth)
    {
        var cancellationToken = context.RequestAborted;

        // In mode none every caller is the anonymous admin; with a worker token set, claims are kept to workers, and so is
        // giving a claim back: it takes the run's token (or the worker token).
        if (auth.Value.Mode == Security.AuthMode.None && options.Value.WorkerToken is { Length: > 0 } workerToken)
        {
            if (!CarriesWorkerToken(context, workerToken) && !(context.User.RunId() is { } tokenRun && (tokenRun == runId || await runs.CoversAsync(tokenRun, runId, cancellationToken))))
            {
                throw new ServiceException(ErrorCode.Unauthenticated, "Releasing a claimed run takes its run token (or the worker token): Authorization: Bearer <token>.");
            }
        }
        using var body = await JsonBody.ReadAsync(context.Request, serviceOptions.Value.MaxJsonBodyBytes, serviceOptions.Value.MaxJsonDepth, cancellationToken);
        if (body is not { RootElement: { ValueKind: JsonValueKind.Object } root })
        {
            throw ServiceException.Invalid("body", "must be {\"attemptId\": \"att_...\"}");
        }

        foreach (var member in root.EnumerateObject())
        {
            if (member.Name != "attemptId")
            {
                throw ServiceException.Invalid(member.Name, "is not a member of a release (only attemptId)");
            }
        }

        var attemptId = !root.TryGetProperty("attemptId", out var a) || a.ValueKind != JsonValueKind.String
            ? throw ServiceException.Invalid("attemptId", "is required: the 'att_' id of the claimed attempt")
            : a.GetString() is { } id && TypeId.IsValid(id, "att") ? id : throw ServiceException.Invalid("attemptId", "must be an 'att_' id");
        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        var attempt = await runs.GetAttemptAsync(attemptId, cancellationToken);
        if (attempt is null || attempt.RunId != run.RunId)
        {
            throw ServiceException.NotFound($"Run {runId} has no attempt '{attemptId}'.");
        }

        if (await agents.FindAsync(run.AgentId, cancellationToken) is not { Runtime.Mode: "worker" })
        {
            throw new ServiceException(ErrorCode.Conflict, $"Run {runId} is not a worker's: a runtime the service launched ends its attempt by exiting.");
        }

        if (await runs.EndAttemptAsync(attemptId, AttemptStatus.Ended, "released by the worker", cancellationToken))
        {
            signals.Close(attempt.ConnectionId, 1000, "attempt released");
            signals.WorkAvailable(run.AgentId);
        }

        return TypedResults.NoContent();
    }

    private static async Task<IResult> ClaimAsync(string agentId, HttpContext context, AgentCatalog agents, IRunStore runs, RuntimeSignals signals,
        TimeProvider time, IOptions<RuntimeOptions> options, IOptions<Hosting.AgentServiceOptions> serviceOptions, IOptions<Security.AuthOptions> auth)
    {
        var cancellationToken = context.RequestAborted;

        // In apikey mode the agent's own key is the worker's credential (policy Worker); the shared worker token is
        // for mode none.
        if (auth.Value.Mode == Security.AuthMode.None && options.Value.WorkerToken is { Length: > 0 } expected)
        {
            if (!CarriesWorkerToken(context, expected))
            {
                throw new ServiceException(ErrorCode.Unauthenticated, "A valid worker token is required: Authorization: Bearer <worker token>.");
            }
        }

        // Only a worker-mode agent's runs are claimed: a launch-mode agent's runs get the process the launcher starts,
        // which would supersede a worker's claim.
        if (await agents.FindAsync(agentId, cancellationToken) is not { Runtime.Mode: "worker" })
        {
            throw ServiceException.NotFound($"Unable to find an agent '{agentId}' whose runs workers claim (runtime mode 'worker').");
        }

        using var body = await JsonBody.ReadAsync(context.Request, serviceOptions.Value.MaxJsonBodyBytes, serviceOptions.Value.MaxJsonDepth, cancellationToken);
        if (body is null || body.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw ServiceException.Invalid("body", "must be {\"workerId\": string, \"leaseSeconds\": integer}");
        }

        var workerId = body.RootElement.TryGetProperty("workerId", out var w) && w.ValueKind == JsonValueKind.String && w.GetString() is { Length: > 0 and <= 256 } id
            ? id
            : throw ServiceException.Invalid("workerId", "must be a string of 1 to 256 characters");
        var leaseSeconds = 60;
        if (body.RootElement.TryGetProperty("leaseSeconds", out var l)
            && (l.ValueKind != JsonValueKind.Number || !l.TryGetInt32(out leaseSeconds) || leaseSeconds is < 5 or > 3600))
        {
            throw ServiceException.Invalid("leaseSeconds", "must be an integer from 5 to 3600");
        }

        var waitText = context.Request.Query["waitSeconds"].ToString();
        var waitSeconds = 30;
        if (waitText.Length > 0 && (!int.TryParse(waitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out waitSeconds) || waitSeconds > 120))
        {
            throw ServiceException.Invalid("waitSeconds", "must be an integer from 0 to 120");
        }

        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(waitSeconds);
        while (true)
        {
            var now = time.GetUtcNow();
            var token = RunTokens.Mint();
            var leaseExpiresAt = now + TimeSpan.FromSeconds(leaseSeconds);
            var attempt = await runs.ClaimAsync(agentId, workerId, TypeId.New("att"), RunTokens.Hash(token), now, leaseExpiresAt, cancellationToken);
            if (attempt is not null)
            {
                return TypedResults.Json(new Dictionary<string, string>
                {
                    ["runId"] = attempt.RunId,
                    ["attemptId"] = attempt.AttemptId,
                    ["runToken"] = token,
                    ["leaseExpiresAt"] = RuntimeSession.Timestamp(leaseExpiresAt),
                }, AgentsJsonContext.Default.DictionaryStringString);
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return TypedResults.NoContent();
            }

            // Wake on new work for the agent; re-check at least every second (claims and leases also lapse with time).
            await signals.WaitForWorkAsync(agentId, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
