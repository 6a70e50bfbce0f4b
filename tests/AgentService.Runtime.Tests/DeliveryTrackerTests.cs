using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Deliveries;
using AgentService.Runtime.Tests.Infrastructure;

namespace AgentService.Runtime.Tests;

public sealed class DeliveryTrackerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static TaskInputDelivery Delivery(string id, int? sequence, string kind = InputKinds.Message) =>
        JsonSerializer.Deserialize(Frames.Delivery(id, sequence, kind, kind == InputKinds.RunResume ? Frames.ResumePayload(0, 1) : Frames.MessagePayload),
            RuntimeJsonContext.Wire.TaskInputDelivery)!;

    private static List<TrackedDelivery> Receive(DeliveryTracker tracker, TaskInputDelivery delivery, out DeliveryDisposition disposition)
    {
        var ready = new List<TrackedDelivery>();
        disposition = tracker.Receive(delivery, null, Now, ready, []);
        return ready;
    }

    [Fact]
    public void Receive_Gap_HoldsUntilFilled_ThenHandsOutInOrder()
    {
        var tracker = new DeliveryTracker();

        Assert.Empty(Receive(tracker, Delivery("dlv_c", 3), out var held));
        Assert.Equal(DeliveryDisposition.Held, held);
        Assert.Empty(Receive(tracker, Delivery("dlv_b", 2), out _));
        var ready = Receive(tracker, Delivery("dlv_a", 1), out var accepted);

        Assert.Equal(DeliveryDisposition.Accepted, accepted);
        Assert.Equal(["dlv_a", "dlv_b", "dlv_c"], ready.Select(r => r.Delivery.DeliveryId));
        Assert.Equal(4, tracker.NextSequence);
    }

    [Fact]
    public void Acknowledge_OutOfOrder_AdvancesTheCursorOnlyOverContiguousSequences()
    {
        var tracker = new DeliveryTracker();
        var ready = Receive(tracker, Delivery("dlv_a", 1), out _).Concat(Receive(tracker, Delivery("dlv_b", 2), out _)).ToList();

        tracker.Acknowledge(ready[1], tracker.Generation);
        Assert.Equal(0, tracker.AcknowledgedThrough);
        tracker.Acknowledge(ready[0], tracker.Generation);
        Assert.Equal(2, tracker.AcknowledgedThrough);

        Assert.Empty(Receive(tracker, Delivery("dlv_z", 2), out var duplicate));
        Assert.Equal(DeliveryDisposition.Duplicate, duplicate);
        Assert.Empty(Receive(tracker, Delivery("dlv_a", 1), out var known));
        Assert.Equal(DeliveryDisposition.Duplicate, known);
    }

    [Fact]
    public void Pause_TakesBackUnacknowledged_AndResumeHandsThemOutAgain()
    {
        var tracker = new DeliveryTracker();
        var first = Receive(tracker, Delivery("dlv_a", 1), out _).Single();
        tracker.Acknowledge(first, tracker.Generation);
        var second = Receive(tracker, Delivery("dlv_b", 2), out _).Single();
        var oldGeneration = tracker.Generation;

        tracker.Pause();
        Assert.Throws<RuntimeFencedException>(() => tracker.Acknowledge(second, oldGeneration));
        Assert.Empty(Receive(tracker, Delivery("dlv_c", 3), out _));
        Assert.Equal(DeliveryDisposition.Redelivered, tracker.Receive(Delivery("dlv_b", 2), null, Now, [], []));

        var ready = new List<TrackedDelivery>();
        tracker.Resume(Now, ready, []);
        Assert.Equal(["dlv_b", "dlv_c"], ready.Select(r => r.Delivery.DeliveryId));
        Assert.Null(tracker.Acknowledge(ready[0], tracker.Generation));
        Assert.Equal(2, tracker.AcknowledgedThrough);
    }
}
