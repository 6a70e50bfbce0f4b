using System.Text.Json;
using AgentService.Server.Errors;
using AgentService.Server.Json;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary>
/// Lists of runs, in pages (<c>?limit=</c> 1-1000, default 100; <c>?after=</c> the last run of the previous page;
/// the answer's <c>after</c> and <c>more</c> say where the next page starts and whether there is one):
/// <c>GET /v1/runs/{runId}/children</c>, a run's sub-runs in the order they were spawned, and
/// <c>GET /v1/agents/{agentId}/runs</c>, an agent's runs newest first (<c>?status=</c> one status).
/// </summary>
internal static class RunListsApi
{
    private static readonly HashSet<string> Statuses = [RunStatus.Queued, RunStatus.Starting, RunStatus.Running, RunStatus.Waiting,
        RunStatus.Completed, RunStatus.Failed, RunStatus.Cancelled, RunStatus.TimedOut];

    public static IEndpointRouteBuilder MapAgentRuns(this IEndpointRouteBuilder endpoints)
    {
        // Admins and client keys granted the agent (the agentId route value).
        endpoints.MapGet("/v1/agents/{agentId}/runs", ListAgentRunsAsync).WithTags("Runs").RequireAuthorization(Security.AccessPolicies.AgentApi);
        return endpoints;
    }

    public static async Task<IResult> ListAgentRunsAsync(string agentId, HttpRequest request, IRunStore runs, Agents.AgentCatalog agents, CancellationToken cancellationToken)
    {
        var limit = Limit(request);
        if (await agents.FindAsync(agentId, cancellationToken) is null)
        {
            throw ServiceException.NotFound($"Unable to find agent with the provided id '{agentId}'.");
        }

        string? status = request.Query["status"].ToString() is { Length: > 0 } s ? s : null;
        if (status is not null && !Statuses.Contains(status))
        {
            throw ServiceException.Invalid("status", $"must be one of {string.Join(", ", Statuses.Order(StringComparer.Ordinal))}");
        }

        var after = request.Query["after"].ToString();
        if (after.Length > 0 && (await runs.GetRunAsync(after, cancellationToken))?.AgentId != agentId)
        {
            throw ServiceException.Invalid("after", $"must be a run of agent {agentId} (the last one of the previous page)");
        }

        var page = await runs.ListAgentRunsAsync(agentId, status, after.Length > 0 ? after : null, limit + 1, cancellationToken);
        return Page("runs", page, limit, after, (w, run) =>
        {
            w.WriteString("parentRunId", run.ParentRunId);
            w.WriteString("rootRunId", run.RootRunId);
            w.WriteNumber("attemptCount", run.AttemptCount);
        });
    }

    public static async Task<IResult> ListChildrenAsync(string runId, HttpRequest request, IRunStore runs, CancellationToken cancellationToken)
    {
        var limit = Limit(request);
        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        var after = request.Query["after"].ToString();
        if (after.Length > 0 && (await runs.GetRunAsync(after, cancellationToken))?.ParentRunId != run.RunId)
        {
            throw ServiceException.Invalid("after", $"must be a child of run {run.RunId} (the last one of the previous page)");
        }

        var page = await runs.ListChildrenAsync(run.RunId, after.Length > 0 ? after : null, limit + 1, cancellationToken);
        var shown = page.Take(limit).ToList();
        var dependencies = shown.Count == 0 ? Enumerable.Empty<string>().ToLookup(d => d)
            : await runs.ListChildDependenciesAsync(run.RunId, shown[0].RunId, shown[^1].RunId, cancellationToken);
        return Page("children", page, limit, after, (w, child) => WriteChildLinks(w, child, dependencies[child.RunId]));
    }

    private static int Limit(HttpRequest request) => (int)RunsApi.QueryLong(request, "limit", 100, 1, 1000);

    /// <summary>A page of runs (<paramref name="page"/> holds one more than <paramref name="limit"/> when another page follows).</summary>
    private static JsonObjectResult Page(string name, IReadOnlyList<RunRecord> page, int limit, string after, Action<Utf8JsonWriter, RunRecord> links)
    {
        var more = page.Count > limit;
        var items = more ? page.Take(limit).ToList() : page;
        return JsonObjectResult.Of(w =>
        {
            w.WriteStartArray(name);
            foreach (var run in items)
            {
                WriteRun(w, run, links);
            }

            w.WriteEndArray();
            w.WriteString("after", items.Count > 0 ? items[^1].RunId : (after.Length > 0 ? after : null));
            w.WriteBoolean("more", more);
        });
    }

    private static void WriteChildLinks(Utf8JsonWriter w, RunRecord child, IEnumerable<string> dependsOn)
    {
        w.WriteString("hosting", child.Hosting);
        w.WriteString("relation", child.Relation);
        w.WriteBoolean("await", child.Awaited);
        w.WriteString("parentToolCallId", child.ParentToolCallId);
        w.WriteStartArray("dependsOn");
        foreach (var dependency in dependsOn)
        {
            w.WriteStringValue(dependency);
        }

        w.WriteEndArray();
    }

    private static void WriteRun(Utf8JsonWriter w, RunRecord run, Action<Utf8JsonWriter, RunRecord> links)
    {
        w.WriteStartObject();
        w.WriteString("runId", run.RunId);
        w.WriteString("agentId", run.AgentId);
        w.WriteString("status", run.Status);
        w.WriteRawOrNull("waitingFor", run.WaitingFor);

        links(w, run);
        w.WriteString("createdAt", RuntimeSession.Timestamp(run.CreatedAt));
        w.WriteString("updatedAt", RuntimeSession.Timestamp(run.UpdatedAt));
        w.WriteEndObject();
    }
}
