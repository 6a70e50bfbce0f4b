namespace AgentService.Server.Runs;

/// <summary>
/// The seam between the Agent Protocol and whatever executes agents. The API stores a step, hands it here and
/// waits on the <see cref="StepNotifier"/>; the executor records progress and the result in the stores and
/// publishes the completion. Executors never show in the API.
/// </summary>
internal interface IStepExecutor
{
    /// <summary>A task was stored: the executor prepares what it needs for the task (a run and its task.start input).</summary>
    ValueTask TaskCreatedAsync(Storage.TaskRecord task, CancellationToken cancellationToken);

    /// <summary>Accepts a stored step for execution. Returns once the step is queued, not when it is done.</summary>
    ValueTask ScheduleAsync(StepWork work, CancellationToken cancellationToken);
}
