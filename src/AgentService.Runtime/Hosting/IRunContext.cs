using AgentService.Protocol.Runtime.Inputs;
using AgentService.Runtime.Events;

namespace AgentService.Runtime.Hosting;

/// <summary>What an <see cref="IAgent"/> sees of its run.</summary>
public interface IRunContext
{
    /// <summary>The run (the Agent Protocol task_id).</summary>
    string RunId { get; }

    /// <summary>The attempt this process executes.</summary>
    string AttemptId { get; }

    /// <summary>The session.</summary>
    string SessionId { get; }

    /// <summary>The agent config version of the attempt.</summary>
    string? ConfigVersion { get; }

    /// <summary>The task (from <c>task.start</c>), once it arrived.</summary>
    TaskStartPayload? Task { get; }

    /// <summary>The <c>run.resume</c> this execution began with, if any.</summary>
    RunResumePayload? ResumePayload { get; }

    /// <summary>The delivery being handled.</summary>
    InputDelivery? CurrentDelivery { get; }

    /// <summary>The step being run, if any (events published through the context default their stepid to it).</summary>
    string? CurrentStepId { get; }

    /// <summary>The run's work token (see <see cref="IRuntimeConnection.WorkToken"/>).</summary>
    CancellationToken WorkToken { get; }

    /// <summary>The connection: secrets, config, KV, capabilities.</summary>
    IRuntimeConnection Connection { get; }

    /// <summary>Publishes events of the run and waits until the service stored them. Events default their stepid to
    /// the current step and their causationid and traceparent to the current delivery.</summary>
    Task PublishAsync(params OutputEventDraft[] events);

    /// <summary>Publishes events of the run (see <see cref="PublishAsync(OutputEventDraft[])"/>).</summary>
    Task PublishAsync(IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken);

    /// <summary>
    /// Spawns a local sub-run (an in-process subagent): publishes <c>subrun.spawned</c> with hosting <c>local</c> and a
    /// fresh child run id, and returns that id once the service stored it. The child's <c>task.start</c> then comes to
    /// this process (handled by <see cref="IAgent.OnSubRunAsync"/> under <see cref="AgentRuntime"/>); when
    /// <see cref="SubRunOptions.Await"/> is true the run waits and a <c>wake</c> input brings the child's result.
    /// </summary>
    Task<string> SpawnSubRunAsync(Protocol.Runtime.Values.TaskSpec task, SubRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives a task to another agent: publishes <c>subrun.spawned</c> with hosting <c>service</c>; the service creates
    /// the child run for <paramref name="agentName"/>, which runs on that agent's own runtime. Returns the child run id.
    /// </summary>
    Task<string> StartAgentTaskAsync(string agentName, Protocol.Runtime.Values.TaskSpec task, SubRunOptions? options = null, CancellationToken cancellationToken = default);
}
