using System.Text.Json;
using AgentService.Protocol.Runtime;

namespace AgentService.Runtime.Events;

/// <summary>
/// An output event before the connection stamps its envelope. Build one with <see cref="OutputEvents"/>; on publish the
/// connection adds <c>specversion</c>, <c>id</c> (unless set), <c>source</c>, <c>time</c>, <c>runid</c>,
/// <c>attemptid</c>, <c>sessionid</c>, the gap-free <c>seq</c>, <c>traceparent</c> and <c>correlationid</c>.
/// </summary>
public sealed record OutputEventDraft
{
    /// <summary>The event type (<see cref="OutputEventTypes"/> or an <c>x.</c> extension).</summary>
    public required string Type { get; init; }

    /// <summary>The camelCase data object.</summary>
    public required JsonElement Data { get; init; }

    /// <summary>An explicit <c>evt_</c> id; minted when null.</summary>
    public string? Id { get; init; }

    /// <summary>The step the event belongs to (<c>stepid</c>).</summary>
    public string? StepId { get; init; }

    /// <summary>The entity the event is about (<c>subject</c>).</summary>
    public string? Subject { get; init; }

    /// <summary>The delivery or event that caused it (<c>causationid</c>).</summary>
    public string? CausationId { get; init; }

    /// <summary>The root run of the agent tree (<c>correlationid</c>); the connection's root run when null.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>W3C traceparent; the causing delivery's (or the current activity's) when null.</summary>
    public string? TraceParent { get; init; }

    /// <summary>W3C tracestate.</summary>
    public string? TraceState { get; init; }

    /// <summary>Ephemeral flag; true by default for deltas, progress and raw events.</summary>
    public bool? Ephemeral { get; init; }

    /// <summary>When it happened; the connection's clock when null.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>A local sub-run this event creates (subrun.spawned with hosting local): bound to this connection.</summary>
    internal string? LocalChildRunId { get; init; }
}
