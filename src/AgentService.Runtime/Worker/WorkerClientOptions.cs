using System.Collections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentService.Runtime.Worker;

/// <summary>Settings of a <see cref="WorkerClient"/> (worker mode: a long-lived process that claims runs of an agent).</summary>
public sealed class WorkerClientOptions
{
    /// <summary>Environment variable of an optional bearer token for the claim endpoint.</summary>
    public const string WorkerTokenVariable = "AGENTSERVICE_WORKER_TOKEN";

    /// <summary>Environment variable of an optional worker id.</summary>
    public const string WorkerIdVariable = "AGENTSERVICE_WORKER_ID";

    /// <summary>The service's http(s) base URL: the first of <see cref="ServiceUrls"/>; setting it replaces that list with this one URL.</summary>
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

    /// <summary>The base URLs of the service's nodes. Claims go to the first; a node that cannot be reached moves the
    /// worker to the next one, round robin, and each claimed run's connection starts at the node that answered.</summary>
    public IList<Uri> ServiceUrls { get; } = [];

    /// <summary>This worker's id (opaque); default host name, process id and runtime instance.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{RuntimeInstance.Id}";

    /// <summary>How long a claim holds before the run may go to another worker (the worker attaches well before). Default 60.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Long-poll: how long the service may hold a claim request open when there is no work. Default 30.</summary>
    public int WaitSeconds { get; set; } = 30;

    /// <summary>Bearer token for the claim endpoint, if the service requires one.</summary>
    public string? Token { get; set; }

    /// <summary>Environment variable of <see cref="MaxConcurrentRuns"/>.</summary>
    public const string ConcurrencyVariable = "AGENTSERVICE_WORKER_CONCURRENCY";

    /// <summary>Runs this worker holds at once. Default 8: an Agent Protocol task is a run that stays open for its next
    /// step, so a worker holds each task it serves until the run goes idle (<see cref="IdleTimeout"/>).</summary>
    public int MaxConcurrentRuns { get; set; } = 8;

    /// <summary>A claimed run that gets no input for this long is given back to the service (released), which frees
    /// its place for another run; its next input goes to the next claim, of this worker or another. Default 60 s;
    /// null: never (the worker holds each run until it finishes).</summary>
    public TimeSpan? IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Clock for backoff and the connections.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the worker and its connections log.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Applied to the options of each claimed run's connection (capabilities, timeouts).</summary>
    public Action<RuntimeConnectionOptions>? ConfigureConnection { get; set; }

    /// <summary>Reads <c>AGENTSERVICE_URL</c> (one URL or several separated by commas) and the optional
    /// <c>AGENTSERVICE_WORKER_TOKEN</c>, <c>AGENTSERVICE_WORKER_ID</c>, <c>AGENTSERVICE_WORKER_CONCURRENCY</c> and
    /// <c>AGENTSERVICE_IDLE_TIMEOUT_SECONDS</c>.</summary>
    /// <exception cref="RuntimeConfigurationException">The URL is missing or one of them is not http(s) (the message names it).</exception>
    public static WorkerClientOptions FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var urls = ServiceEndpoints.Parse(environment[RuntimeConnectionOptions.UrlVariable] as string, RuntimeConnectionOptions.UrlVariable);
        var options = new WorkerClientOptions { Token = environment[WorkerTokenVariable] as string };
        foreach (var url in urls)
        {
            options.ServiceUrls.Add(url);
        }

        if (environment[WorkerIdVariable] is string { Length: > 0 } id)
        {
            options.WorkerId = id;
        }

        if (environment[ConcurrencyVariable] is string { Length: > 0 } concurrency)
        {
            options.MaxConcurrentRuns = int.TryParse(concurrency, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var runs) && runs >= 1
                ? runs
                : throw new RuntimeConfigurationException($"{ConcurrencyVariable} must be a whole number of at least 1, not '{concurrency}'.");
        }

        if (environment[Hosting.AgentRuntimeOptions.IdleTimeoutVariable] is string { Length: > 0 } idle)
        {
            var most = Hosting.AgentRuntimeOptions.MaxIdleTimeout.TotalSeconds;
            options.IdleTimeout = double.TryParse(idle, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds <= most
                ? seconds == 0 ? null : TimeSpan.FromSeconds(seconds)
                : throw new RuntimeConfigurationException(
                    $"{Hosting.AgentRuntimeOptions.IdleTimeoutVariable} must be a number of seconds from 0 to {most.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} (0: never), not '{idle}'.");
        }

        return options;
    }
}
