namespace AgentService.Server.Runs;

/// <summary>
/// The seam between the Agent Protocol and whatever executes agents. The API submits a step here (the executor stores
/// it together with what it needs to run it) and waits on the <see cref="StepNotifier"/>; the executor records
/// progress and the result in the stores and publishes the completion. Executors never show in the API.
/// </summary>
internal interface IStepExecutor
{
    /// <summary>A task was stored: the executor prepares what it needs for the task (a run and its task.start input).</summary>
    ValueTask TaskCreatedAsync(Storage.TaskRecord task, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new step (<c>created</c>, the task's next) and hands it over for execution; returns the stored step,
    /// or <c>null</c> when the task does not exist. Returns once the step is stored and queued, not when it is done;
    /// a stored step runs even if the caller goes away.
    /// </summary>
    Task<Storage.StepRecord?> SubmitAsync(Storage.TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken);

    /// <summary>Whether steps of this task run at once, before they are stored (<see cref="RunNowAsync"/>): true for
    /// in-process agents that answer without waiting on anything, whose only effects are the step's result and artifacts.</summary>
    bool RunsNow(Storage.TaskRecord task);

    /// <summary>Runs a step that is not stored yet and stores it <c>completed</c>, with its result and artifacts, in one
    /// commit; <c>null</c> when the task no longer exists. Only for tasks where <see cref="RunsNow"/> is true.</summary>
    Task<Storage.CompletedStep?> RunNowAsync(Storage.TaskRecord task, string stepId, string? input, string? additionalInput, CancellationToken cancellationToken);
}
