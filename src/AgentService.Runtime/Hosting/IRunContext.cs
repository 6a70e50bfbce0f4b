using System.Text.Json;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Inputs;
using AgentService.Protocol.Runtime.Values;
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

    /// <summary>The highest input sequence of the run this execution handled, the current delivery included (after a
    /// resume without newer input: the checkpoint's cursor). A checkpoint saved now reflects it.</summary>
    long InputCursor { get; }

    /// <summary>
    /// Saves a checkpoint in one call: <c>checkpoint.saved</c> with <paramref name="state"/> and
    /// <see cref="InputCursor"/>; returns once the service stored it. State up to
    /// <see cref="OutputEvents.MaxInlineStateBytes"/> travels inline; larger state is uploaded first as an artifact of
    /// the run and referenced by <c>stateRef</c>. A later execution gets it back with <see cref="LoadCheckpointAsync"/>
    /// and receives only the inputs after it. Inside a step handler (<see cref="IAgent.OnStepAsync"/>) the checkpoint
    /// reflects the step's own input, so it is stored in one batch with the step's <c>step.finished</c> and this returns
    /// once it is queued: a process that dies in between resumes before the step (which runs again), never after a step
    /// that did not finish.
    /// </summary>
    Task<Checkpoint> SaveCheckpointAsync(JsonElement state, string reason = "step_boundary", string stateSchemaVersion = "1", CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a file as an artifact of the run, made by the agent: uploads <paramref name="content"/> with the run
    /// token (<c>POST /v1/runs/{runId}/artifacts</c>, to the node the connection uses), then publishes
    /// <c>artifact.created</c> with the current step as its producer and returns once the service stored it. Inside a
    /// step handler the Agent Protocol lists the file among that step's artifacts (<c>agent_created: true</c>).
    /// Needs the service URL and run token of the connection options (set when launched by the service or claimed by a
    /// worker). Returns the stored artifact (id, size, digest).
    /// </summary>
    Task<ArtifactRef> CreateArtifactAsync(string fileName, ReadOnlyMemory<byte> content, string? description = null, CancellationToken cancellationToken = default);

    /// <summary>The state of the checkpoint this execution resumed from (<c>run.resume</c>) — inline, or downloaded
    /// from its <c>stateRef</c> artifact — or <c>null</c> when it started fresh or the service had no checkpoint.</summary>
    Task<JsonElement?> LoadCheckpointAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks a human: publishes <c>interaction.requested</c> (the service puts the run in <c>waiting(interaction)</c>)
    /// and completes with the <c>interaction.response</c> delivery for it — an answer over
    /// <c>POST /v1/runs/{runId}/interactions/{interactionId}</c>, or the default outcome at expiry. Several may be
    /// awaited at once; each keeps its own id.
    /// </summary>
    Task<InteractionResponsePayload> RequestInteractionAsync(InteractionRequestedData request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a tool with its lifecycle recorded: <c>tool.call.requested</c> and <c>tool.call.started</c>, then
    /// <c>tool.call.completed</c> with the result and duration, or <c>tool.call.failed</c> (execution_error, or
    /// cancelled) when <paramref name="execute"/> throws — the exception is rethrown. Returns the result.
    /// </summary>
    Task<JsonElement> CallToolAsync(string toolName, JsonElement arguments, Func<CancellationToken, Task<JsonElement>> execute, string? idempotencyKey = null, CancellationToken cancellationToken = default);
}
