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
}
