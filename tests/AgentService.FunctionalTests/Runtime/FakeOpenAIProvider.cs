using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>One request the fake provider got.</summary>
internal sealed record ProviderRequest(string Path, string? Authorization, string Body);

/// <summary>
/// An OpenAI-compatible provider on a loopback port (Kestrel): every <c>POST .../responses</c> is answered with a
/// recorded Responses stream (<c>text/event-stream</c>), sent event by event with a flush after each.
/// </summary>
internal sealed class FakeOpenAIProvider : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOpenAIProvider(WebApplication app, string recording)
    {
        _app = app;
        Recording = recording;
    }

    /// <summary>The path of the recording the next requests get.</summary>
    public string Recording { get; set; }

    public ConcurrentQueue<ProviderRequest> Requests { get; } = new();

    /// <summary>The base URL to configure (<c>http://127.0.0.1:port/v1</c>).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<FakeOpenAIProvider> StartAsync(string recording)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var provider = new FakeOpenAIProvider(app, recording);
        app.MapPost("/v1/responses", provider.RespondAsync);
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        provider.BaseUrl = new Uri($"http://127.0.0.1:{port}/v1");
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task RespondAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        Requests.Enqueue(new ProviderRequest(context.Request.Path, context.Request.Headers.Authorization, await reader.ReadToEndAsync(context.RequestAborted)));
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        foreach (var block in (await File.ReadAllTextAsync(Recording, context.RequestAborted)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            await context.Response.WriteAsync(block + "\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }
}
