namespace AgentService.Server.Storage;

/// <summary>Steps of tasks. Every write is committed before the returned task completes.</summary>
internal interface IStepStore
{
    /// <summary>Stores a new step (status <c>created</c>) as the next of the task's steps; <c>null</c> when the task does not exist.</summary>
    Task<StepRecord?> CreateAsync(string stepId, string taskId, string? input, string? additionalInput, CancellationToken cancellationToken);

    Task<StepRecord?> GetAsync(string taskId, string stepId, CancellationToken cancellationToken);

    /// <summary>A page of the task's steps in creation order; the cost does not depend on the page number.</summary>
    Task<Page<StepRecord>> ListAsync(string taskId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Moves a <c>created</c> step to <c>running</c>; false when it was not <c>created</c>.</summary>
    Task<bool> MarkRunningAsync(string stepId, CancellationToken cancellationToken);

    /// <summary>Records the step's result and its artifacts, and marks it <c>completed</c>. Returns the stored step and
    /// artifacts, or <c>null</c> when it was already completed (the first completion wins).</summary>
    Task<CompletedStep?> CompleteAsync(StepCompletion completion, CancellationToken cancellationToken);

    /// <summary>Stores a new step that has already run (an executor ran it before anything was stored) as
    /// <c>completed</c>, with its result and artifacts, in one commit; <c>null</c> when the task does not exist.</summary>
    Task<CompletedStep?> CreateCompletedAsync(string taskId, string? input, string? additionalInput, StepCompletion completion, CancellationToken cancellationToken);

    /// <summary>Steps of <paramref name="agentIds"/>' tasks not yet completed, oldest first, with their task: work to
    /// resume after a restart.</summary>
    Task<IReadOnlyList<(StepRecord Step, TaskRecord Task)>> ListUnfinishedAsync(IReadOnlyCollection<string> agentIds, int limit, CancellationToken cancellationToken);
}
