using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentService.Tests.Common;

/// <summary>One request the receiver got: the raw body and the headers that matter to the gateway's contract.</summary>
public sealed record ReceivedPush(string Path, byte[] Body, string? ContentType, string? Signature, string? Timestamp, string? IdempotencyKey, string? UserAgent, string? Traceparent = null)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>When the request arrived.</summary>
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// A real webhook receiver: Kestrel on 127.0.0.1 at a free port (kept across <see cref="StopAsync"/> and
/// <see cref="StartAsync"/>, so a stopped receiver refuses connections and comes back at the same URL). It records
/// every request, "processes" each message id once (an idempotent receiver, keyed by <c>Idempotency-Key</c>), and then
/// answers as <see cref="Respond"/> says: a status code, or -1 to hang until the caller gives up.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>Answer with this to hang the request until the client disconnects.</summary>
    public const int Hang = -1;

    private readonly CancellationTokenSource _disposed = new();
    private WebApplication? _app;
    private int _port;
    private int _duplicates;
    private int _count;

    private WebhookReceiver()
    {
    }

    /// <summary>Every request, in arrival order (repeats included).</summary>
    public ConcurrentQueue<ReceivedPush> Requests { get; } = new();

    /// <summary>Message ids processed, each once, with the body of the first delivery.</summary>
    public ConcurrentDictionary<string, ReceivedPush> Processed { get; } = new(StringComparer.Ordinal);

    /// <summary>Deliveries of an id already processed (retries after a lost answer).</summary>
    public int Duplicates => _duplicates;

    /// <summary>Decides the answer to each request (given the request and its 1-based arrival number). Default: 200.</summary>
    public Func<ReceivedPush, int, int> Respond { get; set; } = (_, _) => StatusCodes.Status200OK;

    /// <summary>How long each request waits before it is answered (a slow receiver). Default none.</summary>
    public TimeSpan Delay { get; set; }

    public Uri Url => new($"http://127.0.0.1:{_port}/webhook/a2a-messages");

    public static async Task<WebhookReceiver> StartNewAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        return receiver;
    }

    /// <summary>Starts listening (again, on the same port after a stop).</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        _port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        _app = app;
    }

    /// <summary>Stops listening: connections to <see cref="Url"/> are refused until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await StopAsync();
        _disposed.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var headers = context.Request.Headers;
        var push = new ReceivedPush(context.Request.Path, buffer.ToArray(), context.Request.ContentType,
            headers["X-AgentService-Signature"].FirstOrDefault(), headers["X-AgentService-Timestamp"].FirstOrDefault(),
            headers["Idempotency-Key"].FirstOrDefault(), headers.UserAgent.FirstOrDefault(), headers["traceparent"].FirstOrDefault());
        Requests.Enqueue(push);
        if (push.IdempotencyKey is { } key && !Processed.TryAdd(key, push))
        {
            Interlocked.Increment(ref _duplicates);
        }

        var status = Respond(push, Interlocked.Increment(ref _count));
        if (Delay > TimeSpan.Zero && status != Hang)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        if (status == Hang)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _disposed.Token);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token);
            }
            catch (OperationCanceledException)
            {
                // The gateway gave up (or the receiver is being disposed).
            }

            return;
        }

        context.Response.StatusCode = status;
        await context.Response.WriteAsync(status is >= 200 and < 300 ? """{"status":"received"}""" : """{"error":"receiver failure"}""");
    }
}
