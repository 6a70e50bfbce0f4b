using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Server.Agents;
using AgentService.Server.Json;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary>
/// Executes agents that have a runtime (PROTOCOL.md §13): a task is a run with a <c>task.start</c> delivery; a step
/// is a <c>step.input</c> delivery carrying the service-minted stepId. The runtime answers with step events, which
/// the event log projects onto the step; the launcher makes sure a runtime is there to take the delivery.
/// </summary>
internal sealed class RuntimeStepExecutor(IRunStore runs, IDeliveryStore deliveries, RuntimeSignals signals, RuntimeLauncher launcher) : IStepExecutor
{
    public async ValueTask TaskCreatedAsync(TaskRecord task, CancellationToken cancellationToken) =>
        await EnsureRunAsync(task, cancellationToken);

    /// <summary>A runtime's step is a delivery: it is stored before anything runs.</summary>
    public bool RunsNow(TaskRecord task) => false;

    public Task<CompletedStep?> RunNowAsync(TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Steps of runtime agents are stored, then delivered.");

    /// <summary>The step and its <c>step.input</c> delivery are stored in one commit; then the runtime is woken (or
    /// launched) to take it.</summary>
    public async Task<StepRecord?> SubmitAsync(TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        await EnsureRunAsync(task, cancellationToken);
        var payload = JsonText.Object(w =>
        {
            w.WriteString("stepId", stepId);
            w.WriteStartObject("value");
            w.WriteString("input", input);
            w.WritePropertyName("additional_input");
            if (additionalInput is { } extra)
            {
                w.WriteRawValue(extra, skipInputValidation: true);
            }
            else
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        });
        StepRecord? step;
        try
        {
            step = await deliveries.EnqueueStepAsync(
                task.TaskId, stepId, input, additionalInput, TypeId.New("dlv"), payload, Observability.RequestTraceContext.CurrentOrNew(), cancellationToken);
        }
        catch (RunEndedException ended)
        {
            throw new Errors.ServiceException(Errors.ErrorCode.Conflict,
                $"Task '{task.TaskId}' has ended ({ended.Status}): its run takes no more steps. Create a new task.");
        }

        if (step is null)
        {
            return null;
        }

        // The step is committed: from here on it runs even if the caller goes away.
        signals.DeliveriesAvailable(task.TaskId);
        signals.WorkAvailable(task.AgentId);
        await launcher.EnsureRuntimeAsync(task.TaskId, CancellationToken.None);
        return step;
    }

    private async Task EnsureRunAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        if (await runs.GetRunAsync(task.TaskId, cancellationToken) is not null)
        {
            return;
        }

        var payload = JsonText.Object(w =>
        {
            w.WriteStartObject("task");
            if (task.Input is not null)
            {
                w.WriteString("instructions", task.Input);
            }

            if (task.AdditionalInput is not null)
            {
                w.WritePropertyName("input");
                w.WriteRawValue(task.AdditionalInput, skipInputValidation: true);
            }

            w.WriteEndObject();
            w.WriteStartObject("agent");
            w.WriteString("name", task.AgentId);
            w.WriteEndObject();
        });
        // A run created concurrently for the same task (another request) is as good: CreateRunAsync returns it.
        await runs.CreateRunAsync(task.TaskId, task.AgentId, TypeId.New("ses"), payload, Observability.RequestTraceContext.CurrentOrNew(), cancellationToken);
    }
}
