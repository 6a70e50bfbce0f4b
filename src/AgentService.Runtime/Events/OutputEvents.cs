using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;

namespace AgentService.Runtime.Events;

/// <summary>
/// Builders for every output event type of PROTOCOL.md section 10. Each takes the type's data (the schema's required
/// members are required properties) and checks the rules the schema states (e.g. <c>waiting</c> needs
/// <c>waitingFor</c>, a failed step needs an error); the connection stamps the envelope on publish.
/// </summary>
public static partial class OutputEvents
{
    private static readonly HashSet<string> TerminalStatuses = ["completed", "failed", "cancelled", "rejected", "timed_out"];

    /// <summary><c>run.started</c>: first event of each execution.</summary>
    public static OutputEventDraft RunStarted(RunStartedData data, string? causationId = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(data.AttemptNumber, 1);
        return Draft(OutputEventTypes.RunStarted, data, RuntimeJsonContext.Wire.RunStartedData) with { CausationId = causationId };
    }

    /// <summary><c>run.status.changed</c>: a non-terminal status; <c>waiting</c> says what it waits for.</summary>
    public static OutputEventDraft RunStatusChanged(RunStatusChangedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (TerminalStatuses.Contains(data.Status))
        {
            throw new ArgumentException($"'{data.Status}' is terminal: use run.finished.", nameof(data));
        }

        if (data.Status == "waiting" && (data.WaitingFor is null || data.WaitingFor.Count == 0))
        {
            throw new ArgumentException("A waiting run must say what it waits for (waitingFor).", nameof(data));
        }

        return Draft(OutputEventTypes.RunStatusChanged, data, RuntimeJsonContext.Wire.RunStatusChangedData);
    }

    /// <summary><c>run.status.changed</c> to <c>waiting</c> for the given reasons.</summary>
    public static OutputEventDraft RunWaiting(IReadOnlyList<WaitingReason> waitingFor, string? previousStatus = "running", string? reason = null) =>
        RunStatusChanged(new RunStatusChangedData { Status = "waiting", PreviousStatus = previousStatus, WaitingFor = waitingFor, Reason = reason });

    /// <summary><c>run.finished</c>: the one terminal event of a run.</summary>
    public static OutputEventDraft RunFinished(RunFinishedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!TerminalStatuses.Contains(data.Status))
        {
            throw new ArgumentException($"'{data.Status}' is not a terminal status.", nameof(data));
        }

        if (data.Status is "failed" or "timed_out" && data.Error is null)
        {
            throw new ArgumentException($"A {data.Status} run needs an error.", nameof(data));
        }

        return Draft(OutputEventTypes.RunFinished, data, RuntimeJsonContext.Wire.RunFinishedData);
    }

    /// <summary><c>run.finished</c> with status <c>completed</c>.</summary>
    public static OutputEventDraft RunCompleted(string? summary = null, JsonElement? output = null) =>
        RunFinished(new RunFinishedData { Status = "completed", Result = summary is null && output is null ? null : new RunResult { Summary = summary, Output = output } });

    /// <summary><c>run.finished</c> with status <c>failed</c>.</summary>
    public static OutputEventDraft RunFailed(string code, string message) =>
        RunFinished(new RunFinishedData { Status = "failed", Error = new ErrorInfo { Code = code, Message = message } });

    /// <summary><c>run.finished</c> with status <c>cancelled</c>.</summary>
    public static OutputEventDraft RunCancelled(string? summary = null) =>
        RunFinished(new RunFinishedData { Status = "cancelled", Result = summary is null ? null : new RunResult { Summary = summary } });

    /// <summary><c>step.started</c>; the envelope's <c>stepid</c> is the step.</summary>
    public static OutputEventDraft StepStarted(StepStartedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(data.Index);
        return Draft(OutputEventTypes.StepStarted, data, RuntimeJsonContext.Wire.StepStartedData) with { StepId = data.StepId };
    }

    /// <summary><c>step.started</c> of kind <paramref name="kind"/> (default <c>custom</c>).</summary>
    public static OutputEventDraft StepStarted(string stepId, int index, string kind = "custom", string? name = null) =>
        StepStarted(new StepStartedData { StepId = stepId, Index = index, Kind = kind, Name = name });

    /// <summary><c>step.finished</c>; a failed step needs an error.</summary>
    public static OutputEventDraft StepFinished(StepFinishedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Status == "failed" && data.Error is null)
        {
            throw new ArgumentException("A failed step needs an error.", nameof(data));
        }

        if (data.AdditionalOutput is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            throw new ArgumentException("additionalOutput must be a JSON object.", nameof(data));
        }

        return Draft(OutputEventTypes.StepFinished, data, RuntimeJsonContext.Wire.StepFinishedData) with { StepId = data.StepId };
    }

    /// <summary>A completed <c>step.finished</c> carrying the Agent Protocol view (output, additional_output, is_last, name).</summary>
    public static OutputEventDraft StepCompleted(string stepId, string? output, JsonElement? additionalOutput = null, bool isLast = false, string? name = null) =>
        StepFinished(new StepFinishedData { StepId = stepId, Status = "completed", Output = output, AdditionalOutput = additionalOutput, IsLast = isLast, Name = name });

    /// <summary>An extension event: <paramref name="type"/> must start with <c>x.</c> (e.g. <c>x.com.acme.widget.updated</c>).</summary>
    public static OutputEventDraft Extension(string type, JsonElement data, bool ephemeral = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        if (!type.StartsWith("x.", StringComparison.Ordinal) || type.Split('.').Length < 3)
        {
            throw new ArgumentException("Extension types look like x.<reverse-domain>.<name>.", nameof(type));
        }

        return Create(type, data) with { Ephemeral = ephemeral ? true : null };
    }

    /// <summary>Any event from its type and data object (for types this SDK does not know yet).</summary>
    public static OutputEventDraft Create(string type, JsonElement data)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        if (data.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Event data must be a JSON object.", nameof(data));
        }

        return new OutputEventDraft { Type = type, Data = data, Ephemeral = OutputEventTypes.IsEphemeral(type) ? true : null };
    }

    private static OutputEventDraft Draft<T>(string type, T data, JsonTypeInfo<T> typeInfo) =>
        Create(type, JsonSerializer.SerializeToElement(data, typeInfo));
}
