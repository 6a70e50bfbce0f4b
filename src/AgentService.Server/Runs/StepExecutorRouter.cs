using AgentService.Server.Agents;
using AgentService.Server.Runs.BuiltIn;
using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary>Sends each agent's work to its executor: agents with a <c>runtime</c> to runtime processes over the
/// runtime connection protocol, the others to the built-in executor.</summary>
internal sealed class StepExecutorRouter(AgentCatalog agents, BuiltInStepExecutor builtIn, RuntimeStepExecutor runtime) : IStepExecutor
{
    public ValueTask TaskCreatedAsync(TaskRecord task, CancellationToken cancellationToken) => For(task.AgentId).TaskCreatedAsync(task, cancellationToken);

    public Task<StepRecord?> SubmitAsync(TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken) =>
        For(task.AgentId).SubmitAsync(task, stepId, input, additionalInput, cancellationToken);

    public bool RunsNow(TaskRecord task) => For(task.AgentId).RunsNow(task);

    public Task<CompletedStep?> RunNowAsync(TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken) =>
        For(task.AgentId).RunNowAsync(task, stepId, input, additionalInput, cancellationToken);

    private IStepExecutor For(string agentId) =>
        agents.TryGet(agentId, out var agent) && agent.Runtime is not null ? runtime : builtIn;
}
