using AgentService.Protocol.Runtime;

namespace AgentService.Runtime.Deliveries;

/// <summary>A delivery the tracker knows and that is not acknowledged yet: held for its turn, or handed to the app.</summary>
internal sealed class TrackedDelivery(TaskInputDelivery delivery, ReplyTarget? target)
{
    public TaskInputDelivery Delivery { get; set; } = delivery;

    /// <summary>The latest request that carried it (a redelivery after re-attach replaces it).</summary>
    public ReplyTarget? Target { get; set; } = target;

    /// <summary>True once handed to the app (in sequence order).</summary>
    public bool Yielded { get; set; }

    /// <summary>The tracker generation it was handed out in; fencing starts a new one.</summary>
    public long Generation { get; set; }
}
