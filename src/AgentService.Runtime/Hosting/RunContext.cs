using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Inputs;
using AgentService.Runtime.Events;

namespace AgentService.Runtime.Hosting;

/// <summary>The <see cref="IRunContext"/> of the main run (or of a local sub-run) under <see cref="AgentRuntime"/>.</summary>
internal sealed partial class RunContext(IRuntimeConnection connection, string? subRunId = null, string? subRunAttemptId = null) : IRunContext
{
    public string RunId => subRunId ?? connection.RunId;

    public string AttemptId => subRunAttemptId ?? connection.AttemptId;

    public string SessionId => connection.SessionId;

    public string? ConfigVersion => connection.ConfigVersion;

    public TaskStartPayload? Task { get; set; }

    public RunResumePayload? ResumePayload { get; set; }

    public InputDelivery? CurrentDelivery { get; set; }

    public string? CurrentStepId { get; set; }

    public CancellationToken WorkToken { get; set; }

    public IRuntimeConnection Connection => connection;

    /// <summary>True once the agent or the host published run.finished.</summary>
    public bool RunFinished { get; private set; }

    public Task PublishAsync(params OutputEventDraft[] events) => PublishAsync(events, CancellationToken.None);

    public Task PublishAsync(IReadOnlyList<OutputEventDraft> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var delivery = CurrentDelivery;
        var drafts = new OutputEventDraft[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var draft = events[i];
            RunFinished |= draft.Type == OutputEventTypes.RunFinished;
            drafts[i] = draft with
            {
                StepId = draft.StepId ?? (draft.Type.StartsWith("run.", StringComparison.Ordinal) ? null : CurrentStepId),
                CausationId = draft.CausationId ?? delivery?.DeliveryId,
                TraceParent = draft.TraceParent ?? delivery?.Delivery.TraceParent,
            };
        }

        return connection.PublishAsync(RunId, drafts, cancellationToken);
    }
}
