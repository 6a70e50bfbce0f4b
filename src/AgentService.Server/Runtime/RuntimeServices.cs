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
    RuntimeSignals signals,
    StepNotifier steps,
    TimeProvider time,
    IOptions<RuntimeOptions> options)
{
    public IRunStore Runs => runs;

    public IDeliveryStore Deliveries => deliveries;

    public IEventLog Events => events;

    public IRunModelStore Model => model;

    public ISessionKvStore Kv => kv;

    public IArtifactStore Artifacts => artifacts;

    public IAgentSecretStore Secrets => secrets;

    public Security.SecretProtector Protector => protector;

    public AgentCatalog Agents => agents;

    public RuntimeSignals Signals => signals;

    public StepNotifier Steps => steps;

    public TimeProvider Time => time;

    public RuntimeOptions Options => options.Value;
}
