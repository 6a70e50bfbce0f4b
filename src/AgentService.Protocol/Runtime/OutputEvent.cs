using System.Text.Json;
using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime;

/// <summary>A CloudEvents 1.0 structured event a runtime publishes (schema events/output-event.json).</summary>
public sealed class OutputEvent
{
    /// <summary><c>1.0</c>.</summary>
    [JsonPropertyName("specversion")]
    public required string SpecVersion { get; init; }

    /// <summary><c>evt_</c> TypeID; (runid, id) is the de-duplication key.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The event type, e.g. <c>step.finished</c>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary><c>/runs/{runId}/attempts/{attemptId}</c>.</summary>
    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary>The entity the event is about.</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>When the event happened (UTC).</summary>
    [JsonPropertyName("time")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset Time { get; init; }

    /// <summary>The run.</summary>
    [JsonPropertyName("runid")]
    public required string RunId { get; init; }

    /// <summary>The attempt (required on runtime events).</summary>
    [JsonPropertyName("attemptid")]
    public string? AttemptId { get; init; }

    /// <summary>The session.</summary>
    [JsonPropertyName("sessionid")]
    public string? SessionId { get; init; }

    /// <summary>The step the event belongs to.</summary>
    [JsonPropertyName("stepid")]
    public string? StepId { get; init; }

    /// <summary>Gap-free from 1 per run attempt.</summary>
    [JsonPropertyName("seq")]
    public required int Seq { get; init; }

    /// <summary>Run-wide storage position, set by the service for readers.</summary>
    [JsonPropertyName("position")]
    public int? Position { get; init; }

    /// <summary>The event or delivery that caused this one.</summary>
    [JsonPropertyName("causationid")]
    public string? CausationId { get; init; }

    /// <summary>The root run id of the agent tree.</summary>
    [JsonPropertyName("correlationid")]
    public string? CorrelationId { get; init; }

    /// <summary>W3C traceparent.</summary>
    [JsonPropertyName("traceparent")]
    public required string TraceParent { get; init; }

    /// <summary>W3C tracestate.</summary>
    [JsonPropertyName("tracestate")]
    public string? TraceState { get; init; }

    /// <summary>True for deltas, progress and raw events.</summary>
    [JsonPropertyName("ephemeral")]
    public bool? Ephemeral { get; init; }

    /// <summary>The type's payload (camelCase).</summary>
    [JsonPropertyName("data")]
    public required JsonElement Data { get; init; }
}
