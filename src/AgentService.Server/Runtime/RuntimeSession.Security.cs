using System.Text.Json;
using System.Threading.RateLimiting;
using AgentService.Protocol.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Runtime;

/// <summary>The session's part of the security layer: frames per second per connection (a token bucket; a frame over
/// the limit is answered <c>rate_limited</c> with <c>retryAfterMs</c> and not processed), and audit entries for
/// attaches, recovers, secret reads and KV writes, and for every refused access to another run or agent.</summary>
internal sealed partial class RuntimeSession
{
    private static readonly HashSet<int> RefusalCodes =
    [
        RuntimeErrorCodes.Forbidden, RuntimeErrorCodes.NotFound, RuntimeErrorCodes.UnknownRun, RuntimeErrorCodes.RunFinished,
        RuntimeErrorCodes.CapabilityNotNegotiated, RuntimeErrorCodes.EpochFenced, RuntimeErrorCodes.InstanceMismatch,
    ];

    private readonly string? _remoteAddress;
    private readonly TokenBucketRateLimiter? _frameLimiter;

    private static TokenBucketRateLimiter? NewFrameLimiter(Security.RateLimitOptions.TokenBucket bucket) =>
        bucket.TokensPerSecond <= 0 ? null : new TokenBucketRateLimiter(bucket.ToLimiterOptions());

    /// <summary>Answers a frame over the rate limit (when it is a request with an id) without processing it.</summary>
    private async Task RefuseRateLimitedAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        JsonElement? id = null;
        try
        {
            using var document = JsonDocument.Parse(frame, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var value) && ValidId(value))
            {
                id = value.Clone();
            }
        }
        catch (JsonException)
        {
            // Not even JSON: answered with a null id.
        }

        var retryAfterMs = (int)Math.Ceiling(1000.0 / Math.Max(1, _services.RateLimits.RuntimeFrames.TokensPerSecond));
        await SendErrorAsync(id, RuntimeErrorCodes.RateLimited, $"Too many frames: this connection may send {_services.RateLimits.RuntimeFrames.TokensPerSecond} per second.",
            null, cancellationToken, retryAfterMs);
    }

    private void AuditSuccess(string method, JsonElement parameters)
    {
        if (method is AttachMethod or RecoverMethod or SecretsMethod or KvSetMethod)
        {
            Audit(method, parameters, "success", detail: method == SecretsMethod && parameters.TryGetProperty("names", out var names) ? "names: " + names.GetRawText() : null);
        }
    }

    private void AuditRefusal(string method, JsonElement parameters, RuntimeProtocolException refusal)
    {
        if (RefusalCodes.Contains(refusal.Code))
        {
            Audit(method, parameters, "denied", $"{refusal.Code} {RuntimeErrorCodes.ReasonOf(refusal.Code)}: {refusal.Message}");
        }
    }

    private void Audit(string method, JsonElement parameters, string outcome, string? detail)
    {
        var target = parameters.TryGetProperty("runId", out var run) && run.ValueKind == JsonValueKind.String ? run.GetString()
            : parameters.TryGetProperty("mainRunId", out var main) && main.ValueKind == JsonValueKind.String ? main.GetString()
            : null;
        _services.Audit.Append(new AuditEntry(
            _services.Time.GetUtcNow(),
            $"run:{_tokenRunId}",
            "runtime " + method,
            target is null ? null : "runId=" + target,
            outcome,
            null,
            null,
            _remoteAddress,
            detail is { Length: > 500 } ? detail[..500] : detail));
    }
}
