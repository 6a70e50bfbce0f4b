using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>
/// The SDK's test double of the service: Kestrel on 127.0.0.1 port 0 with a WebSocket endpoint at /runtime that the
/// test scripts frame by frame (<see cref="AcceptAsync"/> hands over each socket), and the worker claim endpoint.
/// Every frame the SDK sends is checked against the spec's schemas (see <see cref="FakeConnection"/>).
/// </summary>
public sealed class FakeRuntimeService : IAsyncDisposable
{
    private readonly Channel<FakeConnection> _accepted = Channel.CreateUnbounded<FakeConnection>();
    private readonly List<FakeConnection> _connections = [];
    private WebApplication _app = null!;

    private FakeRuntimeService()
    {
    }

    /// <summary>The http base URL the SDK gets as AGENTSERVICE_URL.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>When set, the upgrade request is refused with this HTTP status.</summary>
    public int? RefuseUpgradeWith { get; set; }

    /// <summary>Answers <c>POST /v1/agents/{agentId}/claims</c>; records the request.</summary>
    public Func<HttpContext, Task>? ClaimHandler { get; set; }

    /// <summary>Answers <c>POST /v1/runs/{runId}/artifacts</c> (artifact uploads with the run token).</summary>
    public Func<HttpContext, Task>? ArtifactHandler { get; set; }

    public static async Task<FakeRuntimeService> StartAsync()
    {
        var service = new FakeRuntimeService();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/runtime", service.AcceptSocketAsync);
        app.MapPost("/v1/agents/{agentId}/claims", async (HttpContext context) =>
        {
            if (service.ClaimHandler is { } handler)
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 500;
            }
        });
        app.MapPost("/v1/runs/{runId}/artifacts", async (HttpContext context) =>
        {
            if (service.ArtifactHandler is { } handler)
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 500;
            }
        });
        await app.StartAsync();
        service._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        service.BaseUrl = new Uri(address);
        return service;
    }

    /// <summary>The next socket the SDK opened.</summary>
    public async Task<FakeConnection> AcceptAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            return await _accepted.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The SDK did not open a runtime socket in time.");
        }
    }

    /// <summary>True when a socket is waiting in <see cref="AcceptAsync"/>.</summary>
    public bool HasPendingSocket => _accepted.Reader.Count > 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.ToArray())
        {
            connection.Abort();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AcceptSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = (int)HttpStatusCode.BadRequest;
            return;
        }

        if (RefuseUpgradeWith is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new FakeConnection(socket, context.Request.Headers.Authorization.ToString(), context.Request.Path + context.Request.QueryString);
        lock (_connections)
        {
            _connections.Add(connection);
        }

        _accepted.Writer.TryWrite(connection);
        await connection.RunAsync(context.RequestAborted);
    }
}
