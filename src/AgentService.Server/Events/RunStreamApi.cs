using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Errors;
using AgentService.Server.Json;
using AgentService.Server.Runs;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Events;

/// <summary>
/// Live streams of a run's stored events as Server-Sent Events: <c>GET /v1/runs/{runId}/stream</c> and, for an Agent
/// Protocol task, <c>GET /ap/v1/agent/tasks/{task_id}/events</c>. Each event's SSE <c>id</c> is its log position;
/// reconnecting with <c>Last-Event-ID</c> (or <c>?after=N</c>) resumes after it with no gap and no duplicate, also
/// after a server restart, because the stream is read from the stored log. The stream ends once the run is finished
/// and every event was sent.
/// </summary>
internal static class RunStreamApi
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OutageRetry = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapRunStreams(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/runs/{runId}/stream", (string runId, HttpContext context, IRunStore runs, IEventLog events, RuntimeSignals signals, IHostApplicationLifetime lifetime) =>
            StreamAsync(runId, context, runs, events, signals, lifetime)).RequireAuthorization(Security.AccessPolicies.AgentApi);
        endpoints.MapGet("/ap/v1/agent/tasks/{task_id}/events", (string task_id, HttpContext context, AgentProtocolService service, IRunStore runs, IEventLog events, RuntimeSignals signals, IHostApplicationLifetime lifetime) =>
            TaskStreamAsync(null, task_id, context, service, runs, events, signals, lifetime)).RequireAuthorization(Security.AccessPolicies.AgentApi);
        endpoints.MapGet("/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/events", (string agent_id, string task_id, HttpContext context, AgentProtocolService service, IRunStore runs, IEventLog events, RuntimeSignals signals, IHostApplicationLifetime lifetime) =>
            TaskStreamAsync(agent_id, task_id, context, service, runs, events, signals, lifetime)).RequireAuthorization(Security.AccessPolicies.AgentApi);
        return endpoints;
    }

    private static async Task TaskStreamAsync(string? agentId, string taskId, HttpContext context, AgentProtocolService service, IRunStore runs, IEventLog events, RuntimeSignals signals, IHostApplicationLifetime lifetime)
    {
        var agent = await service.ResolveAgentAsync(agentId, context.RequestAborted);
        await service.GetTaskAsync(agent, taskId, context.RequestAborted); // 404 for an unknown task or another agent's
        await StreamAsync(taskId, context, runs, events, signals, lifetime);
    }

    private static async Task StreamAsync(string runId, HttpContext context, IRunStore runs, IEventLog events, RuntimeSignals signals, IHostApplicationLifetime lifetime)
    {
        var after = ResumePosition(context.Request);
        _ = await runs.GetRunAsync(runId, context.RequestAborted)
            ?? throw ServiceException.NotFound($"Unable to find a run with the provided id '{runId}' (runs exist for agents with a runtime).");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        var storage = context.RequestServices.GetRequiredService<Storage.IStorageHealth>();
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Register for the wake-up before reading, so an append in between is not missed.
                var appended = signals.EventsTask(runId);
                IReadOnlyList<StoredEvent> page;
                RunRecord? run;
                try
                {
                    page = await events.ListAsync(runId, after, 100, cancellationToken);
                    run = page.Count == 100 ? null : await runs.GetRunAsync(runId, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && storage.IsOutage(ex))
                {
                    // The store is unreachable for now: the reader keeps its stream and gets what it missed once it is back.
                    await response.WriteAsync(": store unavailable, retrying\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    await Task.Delay(OutageRetry, cancellationToken);
                    continue;
                }

                foreach (var e in page)
                {
                    await WriteEventAsync(response, e, cancellationToken);
                    after = e.Position;
                }

                await response.Body.FlushAsync(cancellationToken);
                if (page.Count == 100)
                {
                    continue;
                }

                if (run is null || (RunStatus.IsTerminal(run.Status) && run.EventCount <= after))
                {
                    return; // Finished and fully sent.
                }

                try
                {
                    await appended.WaitAsync(KeepAlive, cancellationToken);
                }
                catch (TimeoutException)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The reader left or the service is stopping; the reader resumes with Last-Event-ID.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, StoredEvent e, CancellationToken cancellationToken)
    {
        var data = Encoding.UTF8.GetString(JsonText.Bytes(w => JsonText.WriteEventWithPosition(w, e.Body, e.Position)));
        var text = new StringBuilder()
            .Append("id: ").Append(e.Position.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(e.Type).Append('\n')
            .Append("data: ").Append(data).Append("\n\n")
            .ToString();
        await response.WriteAsync(text, cancellationToken);
    }

    /// <summary><c>Last-Event-ID</c> (a reconnecting EventSource) wins over <c>?after=</c>; both are log positions.</summary>
    private static long ResumePosition(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].ToString();
        var name = "Last-Event-ID";
        if (text.Length == 0)
        {
            text = request.Query["after"].ToString();
            name = "after";
        }

        if (text.Length == 0)
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? position
            : throw ServiceException.Invalid(name, "must be a log position (a non-negative integer)");
    }
}
