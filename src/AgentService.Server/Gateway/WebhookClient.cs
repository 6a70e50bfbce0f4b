using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using AgentService.Protocol.Gateway;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>
/// Pushes signed messages to webhooks over one pooled <see cref="HttpClient"/>. Its connect step resolves the host
/// itself, checks every address against the <see cref="WebhookUrlPolicy"/> and connects only to checked addresses, so
/// the policy holds at push time too (no proxy, no redirects). A push is bounded by the webhook timeout end to end.
/// </summary>
internal sealed class WebhookClient : IDisposable
{
    private readonly Security.SecretProtector _protector;

    private const int ErrorSnippetBytes = 200;

    private readonly HttpClient _http;
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;

    private readonly Observability.ServiceTelemetry _telemetry;

    public WebhookClient(WebhookUrlPolicy policy, IOptions<GatewayOptions> options, TimeProvider time, Security.SecretProtector protector, Observability.ServiceTelemetry telemetry)
    {
        _protector = protector;
        _telemetry = telemetry;
        _options = options.Value;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.WebhookTimeout,
            // Connections are renewed now and then, so a name's addresses are resolved and checked again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(policy, context.DnsEndPoint, cancellationToken),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("AgentService-Gateway", "1.0"));
    }

    /// <summary>Pushes <paramref name="message"/> to <paramref name="agent"/>'s webhook, signed with its secret (stored
    /// encrypted; a bare <c>whsec_</c> value is one stored before encryption, re-encrypted at the next start).</summary>
    public Task<PushResult> PushAsync(GatewayMessageRecord message, GatewayAgentRecord agent, CancellationToken cancellationToken) =>
        PushAsync(agent.Card.WebhookUrl ?? throw new InvalidOperationException($"Agent '{agent.AgentId}' has no webhook."),
            agent.WebhookSecret.StartsWith(WebhookSecrets.Prefix, StringComparison.Ordinal) ? agent.WebhookSecret : _protector.Unprotect(agent.WebhookSecret),
            message.MessageId, WebhookBody.Build(message), cancellationToken, message.Traceparent);

    /// <summary>POSTs <paramref name="body"/> to <paramref name="url"/>, signed with <paramref name="secret"/>, with the
    /// message id as idempotency key, and the W3C <paramref name="traceparent"/> of the send that accepted the message
    /// (a new one when absent; the push's own span, its child, when the host exports traces). Cancelled only by
    /// <paramref name="cancellationToken"/> (the service stopping).</summary>
    public async Task<PushResult> PushAsync(string url, string secret, string messageId, byte[] body, CancellationToken cancellationToken, string? traceparent = null)
    {
        using var span = _telemetry.StartSpan("webhook push", System.Diagnostics.ActivityKind.Client, traceparent);
        span?.SetTag("agentservice.message_id", messageId);
        var started = _time.GetTimestamp();
        var result = await SendAsync(url, secret, messageId, body, Observability.ServiceTelemetry.Traceparent(span, traceparent), cancellationToken);
        var outcome = result.Delivered ? "delivered" : "failed";
        Observability.ServiceTelemetry.WebhookPushes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        Observability.ServiceTelemetry.WebhookPushDuration.Record(_time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        if (!result.Delivered)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result.Summary);
        }

        return result;
    }

    private async Task<PushResult> SendAsync(string url, string secret, string messageId, byte[] body, string? traceparent, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.WebhookTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(GatewayHeaders.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(GatewayHeaders.Signature, WebhookSigner.Sign(secret, timestamp, body));
        request.Headers.TryAddWithoutValidation(GatewayHeaders.IdempotencyKey, messageId);
        request.Headers.TryAddWithoutValidation("traceparent", traceparent ?? Runtime.RuntimeSession.NewTraceparent());
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.IsSuccessStatusCode)
            {
                return PushResult.Success;
            }

            var snippet = await ReadSnippetAsync(response, linked.Token);
            var answered = $"the webhook answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
            return PushResult.Failure($"{answered}{snippet}", answered);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return PushResult.Failure($"the webhook did not answer within {_options.WebhookTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException ex)
        {
            return PushResult.Failure(Describe(ex));
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Describe(HttpRequestException ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookRefusedException refused)
            {
                return "refused by the webhook URL policy: " + refused.Message;
            }
        }

        return ex.HttpRequestError == HttpRequestError.ConnectionError
            ? $"cannot connect to the webhook: {ex.Message}"
            : $"the push failed: {ex.Message}";
    }

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[ErrorSnippetBytes];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += read;
            }

            if (total == 0)
            {
                return "";
            }

            var text = new string(System.Text.Encoding.UTF8.GetString(buffer, 0, total).Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
            return text.Length == 0 ? "" : $": {text}";
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return "";
        }
    }

    private static async ValueTask<Stream> ConnectAsync(WebhookUrlPolicy policy, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var addresses = await policy.ResolveAllowedAsync(endPoint.Host, cancellationToken);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
