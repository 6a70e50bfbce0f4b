using System.Text.Json;
using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime;

/// <summary>Params of <c>service.task.input.event</c>: one input for one run (schema events/input-event.json).</summary>
public sealed class TaskInputDelivery
{
    /// <summary>Same on every redelivery.</summary>
    [JsonPropertyName("deliveryId")]
    public required string DeliveryId { get; init; }

    /// <summary>The run.</summary>
    [JsonPropertyName("runId")]
    public required string RunId { get; init; }

    /// <summary>The attempt the delivery is addressed to.</summary>
    [JsonPropertyName("attemptId")]
    public required string AttemptId { get; init; }

    /// <summary>The session.</summary>
    [JsonPropertyName("sessionId")]
    public string? SessionId { get; init; }

    /// <summary>Gap-free from 1 per run; absent on run.resume.</summary>
    [JsonPropertyName("sequence")]
    public int? Sequence { get; init; }

    /// <summary>See <see cref="InputKinds"/>.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The kind's payload.</summary>
    [JsonPropertyName("payload")]
    public required JsonElement Payload { get; init; }

    /// <summary>1 on the first transmission, +1 on each redelivery.</summary>
    [JsonPropertyName("deliveryCount")]
    public required int DeliveryCount { get; init; }

    /// <summary>When the service accepted the input.</summary>
    [JsonPropertyName("createdAt")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Not applied after this instant (still acknowledged).</summary>
    [JsonPropertyName("expiresAt")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Who sent the input.</summary>
    [JsonPropertyName("sender")]
    public Values.Actor? Sender { get; init; }

    /// <summary>The submitting client's key.</summary>
    [JsonPropertyName("idempotencyKey")]
    public string? IdempotencyKey { get; init; }

    /// <summary>The event or request that caused this input.</summary>
    [JsonPropertyName("causationId")]
    public string? CausationId { get; init; }

    /// <summary>W3C traceparent.</summary>
    [JsonPropertyName("traceparent")]
    public required string TraceParent { get; init; }

    /// <summary>W3C tracestate.</summary>
    [JsonPropertyName("tracestate")]
    public string? TraceState { get; init; }
}
