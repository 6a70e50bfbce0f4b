using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentService.Runtime.Worker;

/// <summary>
/// Worker mode: claims runs of an agent over HTTP and attaches to each, the way CI runners pick up jobs.
/// <c>POST {url}/v1/agents/{agentId}/claims?waitSeconds=N</c> with <c>{"workerId", "leaseSeconds"}</c> answers
/// 200 with a <see cref="RunClaim"/> or 204 when there is no work (docs/runtime-sdk.md has the contract).
/// </summary>
public sealed class WorkerClient
{
    private readonly HttpClient _http;
    private readonly WorkerClientOptions _options;
    private readonly ILogger _logger;
    private readonly ServiceEndpoints _endpoints;

    /// <param name="http">Used for the claim requests; its timeout must exceed <see cref="WorkerClientOptions.WaitSeconds"/>.</param>
    /// <param name="options">The worker's settings.</param>
    public WorkerClient(HttpClient http, WorkerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ServiceEndpoints.Validate(options.ServiceUrls, allowWebSocket: false);
        ArgumentException.ThrowIfNullOrEmpty(options.WorkerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LeaseSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.WaitSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentRuns, 1);
        _http = http;
        _options = options;
        _logger = options.LoggerFactory.CreateLogger<WorkerClient>();
        _endpoints = new ServiceEndpoints(options.ServiceUrls, _logger);
    }

    /// <summary>The node the worker claims from now (the first of <see cref="WorkerClientOptions.ServiceUrls"/> until one fails).</summary>
    public Uri ServiceUrl => _endpoints.Current.Url;

    /// <summary>Claims one run of <paramref name="agentId"/>; null when the service had no work within the wait. A node
    /// that cannot be reached is skipped for the next one of <see cref="WorkerClientOptions.ServiceUrls"/>.</summary>
    /// <exception cref="HttpRequestException">The service answered anything but 200 or 204, or no node could be reached.</exception>
    public async Task<RunClaim?> ClaimAsync(string agentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        using var response = await _endpoints.SendAsync(_http, url => ClaimRequest(url, agentId), cancellationToken).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NoContent:
                return null;
            case HttpStatusCode.OK:
                var claim = await response.Content.ReadFromJsonAsync(RuntimeJsonContext.Wire.RunClaim, cancellationToken).ConfigureAwait(false)
                    ?? throw new HttpRequestException("The claim answer is empty.");
                return claim;
            default:
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new HttpRequestException($"Claiming a run of {agentId} failed: {(int)response.StatusCode} {body}", null, response.StatusCode);
        }
    }

    /// <summary>The connection options for a claimed run: every node, starting at the one the worker claims from.</summary>
    public RuntimeConnectionOptions ConnectionOptionsFor(RunClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var options = new RuntimeConnectionOptions
        {
            RunId = claim.RunId,
            AttemptId = claim.AttemptId,
            RunToken = claim.RunToken,
            TimeProvider = _options.TimeProvider,
            LoggerFactory = _options.LoggerFactory,
        };
        foreach (var url in _endpoints.FromCurrent())
        {
            options.ServiceUrls.Add(url);
        }

        _options.ConfigureConnection?.Invoke(options);
        return options;
    }

    /// <summary>Claims runs of <paramref name="agentId"/> and runs each with a new agent from <paramref name="agentFactory"/>,
    /// up to <see cref="WorkerClientOptions.MaxConcurrentRuns"/> at once, until <paramref name="cancellationToken"/> stops it.
    /// A service that cannot be reached, or fails, is retried with backoff; a claim it refuses for good (401/403: the
    /// token; 404: no such worker-mode agent) throws that <see cref="HttpRequestException"/>, since retrying cannot help.</summary>
    public async Task RunAsync(string agentId, Func<IAgent> agentFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agentFactory);
        var running = new List<Task>();
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                running.RemoveAll(t => t.IsCompleted);
                if (running.Count >= _options.MaxConcurrentRuns)
                {
                    await Task.WhenAny(running).WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var started = _options.TimeProvider.GetTimestamp();
                RunClaim? claim;
                try
                {
                    claim = await ClaimAsync(agentId, cancellationToken).ConfigureAwait(false);
                    failures = 0;
                }
                catch (HttpRequestException ex) when (!IsPermanent(ex))
                {
                    var delay = Backoff.Delay(failures++, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
                    Log.ClaimFailed(_logger, delay, ex);
                    await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (claim is null)
                {
                    // A service that answers 204 at once (no long-poll) must not be polled in a tight loop.
                    var elapsed = _options.TimeProvider.GetElapsedTime(started);
                    if (elapsed < TimeSpan.FromSeconds(1))
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1) - elapsed, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                Log.Claimed(_logger, _options.WorkerId, claim.RunId, claim.AttemptId);
                running.Add(RunClaimedAsync(claim, agentFactory(), cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the runs below end with the same token.
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private HttpRequestMessage ClaimRequest(Uri serviceUrl, string agentId)
    {
        var root = serviceUrl.AbsoluteUri.TrimEnd('/');
        var uri = new Uri($"{root}/v1/agents/{Uri.EscapeDataString(agentId)}/claims?waitSeconds={_options.WaitSeconds.ToString(CultureInfo.InvariantCulture)}");
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonContent.Create(new RunClaimRequest { WorkerId = _options.WorkerId, LeaseSeconds = _options.LeaseSeconds }, RuntimeJsonContext.Wire.RunClaimRequest),
        };
        if (_options.Token is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static bool IsPermanent(HttpRequestException ex) =>
        ex.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound;

    private async Task RunClaimedAsync(RunClaim claim, IAgent agent, CancellationToken cancellationToken)
    {
        try
        {
            var options = new AgentRuntimeOptions { Connection = ConnectionOptionsFor(claim), IdleTimeout = _options.IdleTimeout };
            if (await AgentRuntime.RunAsync(agent, options, cancellationToken).ConfigureAwait(false) == AgentRunOutcome.RunFinished)
            {
                return; // The attempt ended with the run (and the run token with it): nothing to give back.
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // Whatever ended the run's work here, the worker goes on with its other runs, says why, and gives this one back.
            Log.WorkerRunFailed(_logger, claim.RunId, _options.WorkerId, ex);
        }

        // Idle, stopping, or failed: the run's next input goes to the next claim at once, not after the lease lapses.
        await ReleaseAsync(claim).ConfigureAwait(false);
    }

    /// <summary>Gives a claimed attempt back (<c>POST /v1/runs/{runId}/release</c>), so the run's next input is claimed at
    /// once; a no-op for an attempt that is over. Best effort within 10 s: when it fails, the service takes the run back
    /// after the lease and its grace period.</summary>
    public async Task ReleaseAsync(RunClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), _options.TimeProvider);
        try
        {
            using var response = await _endpoints.SendAsync(_http, url =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{url.AbsoluteUri.TrimEnd('/')}/v1/runs/{Uri.EscapeDataString(claim.RunId)}/release"))
                {
                    Content = JsonContent.Create(new Dictionary<string, string> { ["attemptId"] = claim.AttemptId }, RuntimeSdkJsonContext.Default.DictionaryStringString),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", claim.RunToken);
                return request;
            }, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Log.Released(_logger, claim.RunId, claim.AttemptId);
            }
            else
            {
                Log.ReleaseFailed(_logger, claim.RunId, $"{(int)response.StatusCode} {response.ReasonPhrase}", null);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            Log.ReleaseFailed(_logger, claim.RunId, ex.Message, ex);
        }
    }
}
