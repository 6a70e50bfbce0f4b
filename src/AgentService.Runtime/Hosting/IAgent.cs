using AgentService.Protocol.Runtime.Inputs;

namespace AgentService.Runtime.Hosting;

/// <summary>
/// An agent run by <see cref="AgentRuntime"/>. Only <see cref="OnStepAsync"/> is required: return the step's output
/// and the host emits <c>step.started</c>/<c>step.finished</c> and acknowledges the delivery. Emit other events
/// yourself through <see cref="IRunContext.PublishAsync(AgentService.Runtime.Events.OutputEventDraft[])"/>.
/// </summary>
public interface IAgent
{
    /// <summary>The task arrived (<c>task.start</c>, sequence 1); <see cref="IRunContext.Task"/> holds it.
    /// Also called for the replayed task.start of a new attempt without a checkpoint.</summary>
    Task OnTaskStartAsync(IRunContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>An Agent Protocol step (a <c>step.input</c> delivery with a service-minted stepId). The token is the
    /// run's work token: cancelled by a <c>cancel</c> input or when the runtime fences itself.</summary>
    Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken);

    /// <summary>A new execution without in-memory state: restore from <paramref name="resumePayload"/>'s checkpoint, if any.</summary>
    Task OnResumeAsync(IRunContext context, RunResumePayload resumePayload, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A local sub-run this process spawned got its task (<c>task.start</c> of the child):
    /// <see cref="IRunContext.RunId"/> is the child's and <see cref="IRunContext.Task"/> its task. The host publishes the
    /// child's <c>run.started</c> before and its <c>run.finished</c> after: completed with the returned result, failed
    /// when this throws, cancelled when the child is cancelled. Runs inline, between the parent's inputs.
    /// </summary>
    Task<Protocol.Runtime.Events.RunResult> OnSubRunAsync(IRunContext context, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not run local sub-runs: implement IAgent.OnSubRunAsync.");

    /// <summary>Any other input (message, tool result, interaction response, wake, or a local sub-run's delivery).
    /// The host acknowledges it when this returns.</summary>
    Task OnInputAsync(IRunContext context, InputDelivery delivery, CancellationToken cancellationToken) => Task.CompletedTask;
}
