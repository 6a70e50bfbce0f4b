using System.Text.Json;
using AgentService.Server.Errors;
using AgentService.Server.Json;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary><c>GET /v1/runs/{runId}/children</c>: a run's sub-runs in the order they were spawned, in pages
/// (<c>?limit=</c> 1-1000, default 100; <c>?after=</c> the last child of the previous page).</summary>
internal static class RunChildrenApi
{
    public static async Task<IResult> ListChildrenAsync(string runId, HttpRequest request, IRunStore runs, CancellationToken cancellationToken)
    {
        var limitText = request.Query["limit"].ToString();
        var limit = 100;
        if (limitText.Length > 0 && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            throw ServiceException.Invalid("limit", "must be an integer from 1 to 1000");
        }

        var run = await runs.GetRunAsync(runId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find run with the provided id '{runId}'.");
        var after = request.Query["after"].ToString();
        if (after.Length > 0 && (await runs.GetRunAsync(after, cancellationToken))?.ParentRunId != run.RunId)
        {
            throw ServiceException.Invalid("after", $"must be a child of run {run.RunId} (the last one of the previous page)");
        }

        // One more than asked tells whether another page follows.
        var page = await runs.ListChildrenAsync(run.RunId, after.Length > 0 ? after : null, limit + 1, cancellationToken);
        var more = page.Count > limit;
        var children = more ? page.Take(limit).ToList() : page;
        return JsonObjectResult.Of(w =>
        {
            w.WriteStartArray("children");
            foreach (var child in children)
            {
                WriteChild(w, child);
            }

            w.WriteEndArray();
            w.WriteString("after", children.Count > 0 ? children[^1].RunId : (after.Length > 0 ? after : null));
            w.WriteBoolean("more", more);
        });
    }

    private static void WriteChild(Utf8JsonWriter w, RunRecord child)
    {
        w.WriteStartObject();
        w.WriteString("runId", child.RunId);
        w.WriteString("agentId", child.AgentId);
        w.WriteString("status", child.Status);
        w.WritePropertyName("waitingFor");
        if (child.WaitingFor is { } waiting)
        {
            w.WriteRawValue(waiting);
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteString("hosting", child.Hosting);
        w.WriteString("relation", child.Relation);
        w.WriteBoolean("await", child.Awaited);
        if (child.ParentToolCallId is { } toolCall)
        {
            w.WriteString("parentToolCallId", toolCall);
        }

        w.WriteString("createdAt", RuntimeSession.Timestamp(child.CreatedAt));
        w.WriteString("updatedAt", RuntimeSession.Timestamp(child.UpdatedAt));
        w.WriteEndObject();
    }
}
