using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Inputs;
using AgentService.Runtime.Deliveries;

namespace AgentService.Runtime;

/// <summary>
/// One input delivery handed to the app, in sequence order. Apply it, then call <see cref="AcknowledgeAsync"/>: the
/// service gets <c>{"accepted": true}</c> only then, and redelivers it after a re-attach until it does.
/// </summary>
public sealed class InputDelivery
{
    private readonly RuntimeConnection _connection;

    internal InputDelivery(RuntimeConnection connection, TrackedDelivery tracked)
    {
        _connection = connection;
        Tracked = tracked;
        Generation = tracked.Generation;
        Delivery = tracked.Delivery;
    }

    /// <summary>The delivery as received.</summary>
    public TaskInputDelivery Delivery { get; }

    /// <summary>The delivery id (same on every redelivery).</summary>
    public string DeliveryId => Delivery.DeliveryId;

    /// <summary>The run it is for (the main run or a local sub-run).</summary>
    public string RunId => Delivery.RunId;

    /// <summary>See <see cref="InputKinds"/>.</summary>
    public string Kind => Delivery.Kind;

    /// <summary>Gap-free from 1 per run; null for <c>run.resume</c>.</summary>
    public int? Sequence => Delivery.Sequence;

    /// <summary>The raw payload.</summary>
    public JsonElement Payload => Delivery.Payload;

    internal TrackedDelivery Tracked { get; }

    internal long Generation { get; }

    /// <summary>True once acknowledged.</summary>
    public bool IsAcknowledged { get; internal set; }

    /// <summary>The <c>task.start</c> payload.</summary>
    public TaskStartPayload GetTaskStart() => Read(InputKinds.TaskStart, RuntimeJsonContext.Wire.TaskStartPayload);

    /// <summary>The <c>run.resume</c> payload.</summary>
    public RunResumePayload GetRunResume() => Read(InputKinds.RunResume, RuntimeJsonContext.Wire.RunResumePayload);

    /// <summary>The <c>step.input</c> payload.</summary>
    public StepInputPayload GetStepInput() => Read(InputKinds.StepInput, RuntimeJsonContext.Wire.StepInputPayload);

    /// <summary>The <c>cancel</c> payload.</summary>
    public CancelPayload GetCancel() => Read(InputKinds.Cancel, RuntimeJsonContext.Wire.CancelPayload);

    /// <summary>The <c>message</c> payload.</summary>
    public MessagePayload GetMessage() => Read(InputKinds.Message, RuntimeJsonContext.Wire.MessagePayload);

    /// <summary>The <c>interaction.response</c> payload.</summary>
    public InteractionResponsePayload GetInteractionResponse() => Read(InputKinds.InteractionResponse, RuntimeJsonContext.Wire.InteractionResponsePayload);

    /// <summary>The <c>wake</c> payload.</summary>
    public WakePayload GetWake() => Read(InputKinds.Wake, RuntimeJsonContext.Wire.WakePayload);

    /// <summary>
    /// Acknowledges the delivery (<c>{"accepted": true}</c>) once applied, or held in state the next checkpoint includes.
    /// Idempotent. If the socket is down the acknowledgement goes with the redelivery after re-attach.
    /// </summary>
    /// <exception cref="RuntimeFencedException">The runtime fenced itself after handing this out: it was taken back and comes again.</exception>
    public Task AcknowledgeAsync(CancellationToken cancellationToken = default) => _connection.AcknowledgeAsync(this, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {DeliveryId} (run {RunId}, sequence {Sequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"})";

    private T Read<T>(string kind, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        if (Kind != kind)
        {
            throw new InvalidOperationException($"Delivery {DeliveryId} is {Kind}, not {kind}.");
        }

        return Payload.Deserialize(typeInfo) ?? throw new InvalidOperationException($"Delivery {DeliveryId} has no {kind} payload.");
    }
}
