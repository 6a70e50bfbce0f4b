namespace AgentService.Server.Runs.BuiltIn;

/// <summary>An agent that runs inside the server process.</summary>
internal interface IBuiltInAgent
{
    /// <summary>Runs one step. An exception completes the step with the error in <c>additional_output.error</c>.</summary>
    Task<StepOutcome> ExecuteStepAsync(StepWork work, CancellationToken cancellationToken);
}
