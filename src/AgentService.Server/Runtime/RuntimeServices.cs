using AgentService.Server.Agents;
using AgentService.Server.Runs;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Runtime;

/// <summary>What a runtime session uses, in one place.</summary>
internal sealed class RuntimeServices(
    IRunStore runs,
    IDeliveryStore deliveries,
    IEventLog events,
    IRunModelStore model,
    ISessionKvStore kv,
    IArtifactStore artifacts,
    IAgentSecretStore secrets,
    Security.SecretProtector protector,
    AgentCatalog agents,
    AgentConfiguration configuration,
    RuntimeSignals signals,
    StepNotifier steps,
    RuntimeLauncher launcher,
    TimeProvider time,
    IOptions<RuntimeOptions> options,
    IAuditLog audit,
    IOptions<Security.RateLimitOptions> rateLimits,
    Storage.IStorageHealth storage,
    Observability.ServiceTelemetry telemetry)
{
    public Observability.ServiceTelemetry Telemetry => telemetry;

    public Storage.IStorageHealth Storage => storage;

    /// <summary>Commands of every session answered unavailable during an outage, for their warnings.</summary>
    public UnavailableAnswers Unavailable { get; } = new(time);

    public IRunStore Runs => runs;

    public IDeliveryStore Deliveries => deliveries;

    public IEventLog Events => events;

    public IRunModelStore Model => model;

    public ISessionKvStore Kv => kv;

    public IArtifactStore Artifacts => artifacts;

    public IAgentSecretStore Secrets => secrets;

    public Security.SecretProtector Protector => protector;

    public AgentCatalog Agents => agents;

    public AgentConfiguration Configuration => configuration;

    public RuntimeSignals Signals => signals;

    public StepNotifier Steps => steps;

    public RuntimeLauncher Launcher => launcher;

    public TimeProvider Time => time;

    public RuntimeOptions Options => options.Value;

    public IAuditLog Audit => audit;

    public Security.RateLimitOptions RateLimits => rateLimits.Value;
}
