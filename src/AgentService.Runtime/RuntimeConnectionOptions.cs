using System.Collections;
using AgentService.Protocol.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentService.Runtime;

/// <summary>
/// Settings of a <see cref="RuntimeConnection"/>. Set them explicitly or read them with <see cref="FromEnvironment"/>
/// (the launcher passes <c>AGENTSERVICE_URL</c>, <c>AGENTSERVICE_RUN_ID</c>, <c>AGENTSERVICE_ATTEMPT_ID</c> and
/// <c>AGENTSERVICE_RUN_TOKEN</c>).
/// </summary>
public sealed class RuntimeConnectionOptions
{
    /// <summary>Environment variable of the service's http(s) base URL, or of several (one per node) separated by commas.</summary>
    public const string UrlVariable = "AGENTSERVICE_URL";

    /// <summary>Environment variable of the run id.</summary>
    public const string RunIdVariable = "AGENTSERVICE_RUN_ID";

    /// <summary>Environment variable of the attempt id.</summary>
    public const string AttemptIdVariable = "AGENTSERVICE_ATTEMPT_ID";

    /// <summary>Environment variable of the run token.</summary>
    public const string RunTokenVariable = "AGENTSERVICE_RUN_TOKEN";

    /// <summary>
    /// The service's http(s) base URL, e.g. <c>http://127.0.0.1:8000</c>; the socket is <c>ws(s)://host/runtime</c>.
    /// This is the first of <see cref="ServiceUrls"/>; setting it replaces that list with this one URL.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read while <see cref="ServiceUrls"/> is empty.</exception>
    public Uri ServiceUrl
    {
        get => ServiceUrls.Count > 0 ? ServiceUrls[0] : throw new InvalidOperationException("No service URL is set: set ServiceUrl or add to ServiceUrls.");
        set
        {
            ServiceUrls.Clear();
            ServiceUrls.Add(value);
        }
    }

    /// <summary>
    /// The base URLs of the service's nodes (several nodes over one database; a run token works on each). The first is
    /// used first; a lost connection or an unreachable node moves to the next one, round robin, with the reconnect
    /// backoff. HTTP calls (artifacts) go to the node the connection uses. A single URL (or a load balancer) is fine.
    /// </summary>
    public IList<Uri> ServiceUrls { get; } = [];

    /// <summary>The run to attach to.</summary>
    public required string RunId { get; set; }

    /// <summary>The attempt this process executes (events name it in their <c>source</c>).</summary>
    public required string AttemptId { get; set; }

    /// <summary>The run token, sent as <c>Authorization: Bearer</c> on the upgrade request.</summary>
    public required string RunToken { get; set; }

    /// <summary>This process incarnation; default <see cref="RuntimeInstance.Id"/> (minted once per process).</summary>
    public string RuntimeInstanceId { get; set; } = RuntimeInstance.Id;

    /// <summary>
    /// The capabilities declared at attach. Default: every core capability natively except <c>tracing</c>
    /// (<c>polyfilled</c>: the SDK copies the received trace context), and no platform capability.
    /// </summary>
    public IList<SdkCapability> Capabilities { get; } = DefaultCapabilities();

    /// <summary>The first attach's epoch (PROTOCOL.md section 5: 0 for the first attach of an attempt).</summary>
    public long InitialEpoch { get; set; }

    /// <summary>A request unanswered this long means the socket is broken (closed 1011, then re-attach). Default 60 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Smallest reconnect delay (jittered exponential backoff). Default 0.5 s.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest reconnect delay. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the first connect keeps retrying transient failures (refused socket, 5xx, retryable errors). Default 2 min.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a lost connection keeps trying to re-attach (to any node) before it fails for good. By then the
    /// attempt's lease has long lapsed and the service has started a new attempt, so a runtime whose service is gone
    /// stops instead of retrying forever. Default 10 min; <see cref="Timeout.InfiniteTimeSpan"/> never gives up.
    /// </summary>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Most events per <c>runtime.task.output.event</c> batch; the protocol allows 500.</summary>
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>The clock for heartbeats, lease tracking (monotonic timestamps), backoff and timeouts.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the SDK logs.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Runtime name written into <c>run.started</c>.</summary>
    public string RuntimeName { get; set; } = "dotnet-runtime";

    /// <summary>Runtime version written into <c>run.started</c>.</summary>
    public string? RuntimeVersion { get; set; }

    /// <summary>The WebSocket endpoint of <see cref="ServiceUrl"/> (the first node): its URL with ws(s) and the path
    /// <c>/runtime</c> appended to its path.</summary>
    public Uri WebSocketUri => ServiceEndpoints.WebSocketUriFor(ServiceUrl);

    /// <summary>The default declaration (see <see cref="Capabilities"/>).</summary>
    public static List<SdkCapability> DefaultCapabilities() =>
    [
        .. CapabilityNames.Core.Select(name => SdkCapability.Core(name, name == CapabilityNames.Tracing ? SupportLevels.Polyfilled : SupportLevels.Native)),
    ];

    /// <summary>Reads the four launcher variables from the process environment (or <paramref name="environment"/>).</summary>
    /// <exception cref="RuntimeConfigurationException">A variable is missing or a URL is not http(s) (the message names it).</exception>
    public static RuntimeConnectionOptions FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string Get(string name) =>
            environment[name] as string is { Length: > 0 } value
                ? value
                : throw new RuntimeConfigurationException($"The environment variable {name} is not set; the launcher or worker sets it.");

        var urls = ServiceEndpoints.Parse(Get(UrlVariable), UrlVariable);
        var options = new RuntimeConnectionOptions
        {
            RunId = Get(RunIdVariable),
            AttemptId = Get(AttemptIdVariable),
            RunToken = Get(RunTokenVariable),
        };
        foreach (var url in urls)
        {
            options.ServiceUrls.Add(url);
        }

        return options;
    }

    internal void Validate()
    {
        ServiceEndpoints.Validate(ServiceUrls, allowWebSocket: true);
        ArgumentException.ThrowIfNullOrEmpty(RunId);
        ArgumentException.ThrowIfNullOrEmpty(AttemptId);
        ArgumentException.ThrowIfNullOrEmpty(RunToken);
        ArgumentException.ThrowIfNullOrEmpty(RuntimeInstanceId);
        if (Capabilities.Count == 0 || !Capabilities.Any(c => c is { Surface: CapabilitySurfaces.Core, Name: CapabilityNames.InputReceive, IsSupported: true })
            || !Capabilities.Any(c => c is { Surface: CapabilitySurfaces.Core, Name: CapabilityNames.OutputPublish, IsSupported: true }))
        {
            throw new InvalidOperationException("The declared capabilities must include core input.receive and output.publish.");
        }

        if (MaxBatchSize is < 1 or > 500)
        {
            throw new InvalidOperationException("MaxBatchSize must be between 1 and 500.");
        }
    }
}
