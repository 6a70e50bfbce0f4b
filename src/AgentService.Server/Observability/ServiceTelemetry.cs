using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Observability;

/// <summary>
/// The service's one <see cref="ActivitySource"/> and one <see cref="Meter"/> (both named <c>AgentService.Server</c>),
/// their instruments, and whether this host exports traces. Instruments cost nothing while nobody listens; spans are
/// started only when this host exports traces, so a host without telemetry keeps passing the client's trace context
/// on as is. docs/observability.md lists every span and instrument.
/// </summary>
internal sealed class ServiceTelemetry(IOptions<TelemetryOptions> options)
{
    public const string Name = "AgentService.Server";

    private static readonly string Version =
        typeof(ServiceTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";

    public static readonly ActivitySource Source = new(Name, Version);

    public static readonly Meter Meter = new(Name, Version);

    public static readonly UpDownCounter<long> RuntimeConnections = Meter.CreateUpDownCounter<long>(
        "agentservice.runtime.connections", "{connection}", "Runtime connections attached to this node.");

    public static readonly Counter<long> RuntimeLaunches = Meter.CreateCounter<long>(
        "agentservice.runtime.launches", "{process}", "Runtime processes this node started.");

    public static readonly Counter<long> DeliveriesSent = Meter.CreateCounter<long>(
        "agentservice.deliveries.sent", "{delivery}", "Input deliveries sent to runtimes (redeliveries included).");

    public static readonly Counter<long> EventsIngested = Meter.CreateCounter<long>(
        "agentservice.events.ingested", "{event}", "Output events accepted from runtimes (duplicates included).");

    public static readonly Counter<long> StepsCompleted = Meter.CreateCounter<long>(
        "agentservice.steps.completed", "{step}", "Agent Protocol steps completed on this node.");

    public static readonly Counter<long> WebhookPushes = Meter.CreateCounter<long>(
        "agentservice.gateway.pushes", "{push}", "Gateway pushes to webhooks, by outcome (delivered, failed).");

    public static readonly Histogram<double> WebhookPushDuration = Meter.CreateHistogram<double>(
        "agentservice.gateway.push.duration", "s", "Time from sending a push to its answer (or failure).");

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "agentservice.store.commit.duration", "s", "Time of one group commit of the store's writer, from BEGIN to COMMIT.");

    public static readonly Histogram<long> CommitWrites = Meter.CreateHistogram<long>(
        "agentservice.store.commit.writes", "{write}", "Writes that shared one group commit.");

    /// <summary>Records one group commit that began at <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public static void RecordCommit(long started, int writes, string database)
    {
        if (!CommitDuration.Enabled && !CommitWrites.Enabled)
        {
            return;
        }

        var tag = new KeyValuePair<string, object?>("db.system.name", database);
        CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
        CommitWrites.Record(writes, tag);
    }

    /// <summary>Whether this host exports traces (an OTLP endpoint is set and traces are on).</summary>
    public bool Tracing { get; } = options.Value.TracesExported;

    /// <summary>A span of this host, a child of <paramref name="parentTraceparent"/> when it is a valid W3C traceparent
    /// (else of the current span); null when this host exports no traces or the sampler drops it.</summary>
    public Activity? StartSpan(string name, ActivityKind kind, string? parentTraceparent = null)
    {
        if (!Tracing)
        {
            return null;
        }

        return parentTraceparent is not null && ActivityContext.TryParse(parentTraceparent, null, isRemote: true, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
    }

    /// <summary>The W3C traceparent of <paramref name="span"/>, or <paramref name="otherwise"/> without one.</summary>
    public static string? Traceparent(Activity? span, string? otherwise) =>
        span is { IdFormat: ActivityIdFormat.W3C } ? span.Id : otherwise;
}
