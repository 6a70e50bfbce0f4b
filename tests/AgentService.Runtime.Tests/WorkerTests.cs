using System.Net.Http.Json;
using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Tests.Infrastructure;
using AgentService.Runtime.Worker;
using Microsoft.AspNetCore.Http;

namespace AgentService.Runtime.Tests;

public sealed class WorkerTests : RuntimeTestBase
{
    private const string ClaimJson = $$"""{"runId":"{{Ids.Run}}","attemptId":"{{Ids.Attempt}}","runToken":"claimed-token","leaseExpiresAt":"2026-03-01T12:01:00Z"}""";

    private sealed class Agent : IAgent
    {
        public Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken) => Task.FromResult(StepResult.Text("ok"));
    }

    private WorkerClient Client(string? token = null) =>
        new(new HttpClient { Timeout = TimeSpan.FromSeconds(60) }, new WorkerClientOptions { ServiceUrl = Service.BaseUrl, WorkerId = "worker-1", LeaseSeconds = 45, WaitSeconds = 20, Token = token });

    [Fact]
    public async Task Claim_WithWork_PostsTheContractAndReturnsTheClaim()
    {
        var seen = new List<(string Path, string Query, string? Auth, JsonElement Body)>();
        Service.ClaimHandler = async context =>
        {
            var body = await context.Request.ReadFromJsonAsync<JsonElement>();
            seen.Add((context.Request.Path, context.Request.QueryString.Value!, context.Request.Headers.Authorization.ToString(), body));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(ClaimJson);
        };

        var claim = await Client("worker-secret").ClaimAsync("my agent");

        Assert.NotNull(claim);
        Assert.Equal(Ids.Run, claim.RunId);
        Assert.Equal(Ids.Attempt, claim.AttemptId);
        Assert.Equal("claimed-token", claim.RunToken);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 1, 0, TimeSpan.Zero), claim.LeaseExpiresAt);
        var request = Assert.Single(seen);
        Assert.Equal("/v1/agents/my%20agent/claims", request.Path);
        Assert.Equal("?waitSeconds=20", request.Query);
        Assert.Equal("Bearer worker-secret", request.Auth);
        Assert.Equal("""{"workerId":"worker-1","leaseSeconds":45}""", request.Body.GetRawText());
    }

    [Fact]
    public async Task Claim_NoWork_ReturnsNull_AndAnErrorStatusThrows()
    {
        Service.ClaimHandler = context =>
        {
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        };
        Assert.Null(await Client().ClaimAsync("agent"));

        Service.ClaimHandler = context =>
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        };
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Client().ClaimAsync("agent"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task RunAsync_ClaimsARunAndAttachesWithTheClaimedToken()
    {
        var claims = 0;
        Service.ClaimHandler = async context =>
        {
            if (Interlocked.Increment(ref claims) == 1)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(ClaimJson);
            }
            else
            {
                context.Response.StatusCode = 204;
            }
        };
        using var stop = new CancellationTokenSource();
        var worker = Client().RunAsync("agent", () => new Agent(), stop.Token);

        var socket = await Service.AcceptAsync();
        Assert.Equal("Bearer claimed-token", socket.Authorization);
        var attach = await socket.AcceptAttachAsync();
        Assert.Equal(Ids.Run, attach.GetProperty("params").GetProperty("runId").GetString());
        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload));
        Assert.Equal("run.started", Assert.Single(await socket.AcceptOutputAsync()).GetProperty("type").GetString());
        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 2, InputKinds.Cancel, Frames.CancelPayload));
        Assert.Equal("run.finished", Assert.Single(await socket.AcceptOutputAsync()).GetProperty("type").GetString());
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, await socket.Closed.WaitAsync(Timeout));

        await stop.CancelAsync();
        await worker.WaitAsync(Timeout);
        Assert.True(claims >= 1);
    }
}
