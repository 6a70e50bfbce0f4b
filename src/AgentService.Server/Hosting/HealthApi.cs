using AgentService.Server.Storage;

namespace AgentService.Server.Hosting;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the store is reachable and migrated.</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Text("""{"status":"ok"}""", "application/json")).AllowAnonymous();
        endpoints.MapGet("/readyz", async Task<IResult> (IStorageHealth storage, CancellationToken cancellationToken) =>
        {
            bool ready;
            try
            {
                ready = await storage.IsReadyAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ready = false;
            }

            return ready
                ? TypedResults.Text("""{"status":"ready"}""", "application/json")
                : TypedResults.Text("""{"status":"unavailable"}""", "application/json", statusCode: StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
        return endpoints;
    }
}
