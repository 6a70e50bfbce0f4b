using AgentService.Runtime.Hosting;

namespace AgentService.Samples.EchoAgent;

/// <summary>The echo agent as a runtime: every step answers with its input (the task's instructions when the step has
/// none), as the last step of the turn.</summary>
public sealed class EchoStepAgent : IAgent
{
    public Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        return Task.FromResult(new StepResult { Output = input.Input ?? context.Task?.Task.Instructions, IsLast = true, Name = "echo" });
    }
}
