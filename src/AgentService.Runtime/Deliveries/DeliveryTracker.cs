using AgentService.Protocol.Runtime;

namespace AgentService.Runtime.Deliveries;

/// <summary>
/// Input ordering and de-duplication of one run (PROTOCOL.md section 7). Deliveries are handed out in sequence order,
/// later ones held until the gaps fill; a duplicate (a deliveryId already acknowledged, or a sequence at or below
/// what was handed out or acknowledged) is acknowledged and dropped; an expired one is acknowledged when its turn
/// comes and not handed out; <c>run.resume</c> (no sequence) is handed out at once and moves the cursor to its
/// <c>inputCursor</c>. A redelivery of a delivery still open only updates where its acknowledgement goes. Fencing
/// takes back what was handed out but not acknowledged (a new generation); it is handed out again after re-attach.
/// Not thread-safe: the connection calls it under its lock.
/// </summary>
internal sealed class DeliveryTracker
{
    private readonly Dictionary<string, TrackedDelivery> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acknowledgedIds = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, TrackedDelivery> _held = [];
    private readonly SortedSet<int> _acknowledgedAbove = [];
    private TrackedDelivery? _heldResume;
    private int _nextSequence = 1;
    private int _acknowledgedThrough;
    private bool _paused;

    /// <summary>Bumped by <see cref="Pause"/>: handed-out deliveries of older generations are void.</summary>
    public long Generation { get; private set; }

    /// <summary>Everything at or below is acknowledged.</summary>
    public int AcknowledgedThrough => _acknowledgedThrough;

    /// <summary>The next sequence to hand out.</summary>
    public int NextSequence => _nextSequence;

    /// <summary>Takes a delivery in. <paramref name="ready"/> gets what is now due (in order); <paramref name="acknowledgeNow"/>
    /// gets requests to answer <c>{"accepted":true}</c> at once (duplicates, expired).</summary>
    /// <returns>What happened to the delivery itself.</returns>
    public DeliveryDisposition Receive(TaskInputDelivery delivery, ReplyTarget? target, DateTimeOffset now,
        List<TrackedDelivery> ready, List<(TaskInputDelivery Delivery, ReplyTarget? Target, DeliveryDisposition Why)> acknowledgeNow)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (_acknowledgedIds.Contains(delivery.DeliveryId))
        {
            acknowledgeNow.Add((delivery, target, DeliveryDisposition.Duplicate));
            return DeliveryDisposition.Duplicate;
        }

        if (_open.TryGetValue(delivery.DeliveryId, out var open))
        {
            open.Delivery = delivery;
            open.Target = target;
            return DeliveryDisposition.Redelivered;
        }

        if (delivery.Kind == InputKinds.RunResume)
        {
            var resume = new TrackedDelivery(delivery, target);
            _open[delivery.DeliveryId] = resume;
            if (_paused)
            {
                _heldResume = resume;
            }
            else
            {
                HandOut(resume, ready);
            }

            return DeliveryDisposition.Accepted;
        }

        var sequence = delivery.Sequence ?? throw new ArgumentException("Only run.resume has no sequence.", nameof(delivery));
        if (sequence <= _acknowledgedThrough || _acknowledgedAbove.Contains(sequence) || sequence < _nextSequence || _held.ContainsKey(sequence))
        {
            acknowledgeNow.Add((delivery, target, DeliveryDisposition.Duplicate));
            return DeliveryDisposition.Duplicate;
        }

        var tracked = new TrackedDelivery(delivery, target);
        _open[delivery.DeliveryId] = tracked;
        _held[sequence] = tracked;
        Pump(now, ready, acknowledgeNow);
        return _held.ContainsKey(sequence) ? DeliveryDisposition.Held : DeliveryDisposition.Accepted;
    }

    /// <summary>Moves the cursor for a <c>run.resume</c>: deliveries continue at <paramref name="inputCursor"/> + 1.</summary>
    public void ResumeAt(int inputCursor)
    {
        _acknowledgedThrough = Math.Max(0, inputCursor);
        _nextSequence = _acknowledgedThrough + 1;
        _acknowledgedAbove.Clear();
        foreach (var sequence in _held.Keys.Where(s => s <= _acknowledgedThrough).ToList())
        {
            _open.Remove(_held[sequence].Delivery.DeliveryId);
            _held.Remove(sequence);
        }
    }

    /// <summary>The app applied a handed-out delivery: returns where to send the acknowledgement.</summary>
    /// <exception cref="RuntimeFencedException">It was handed out before fencing (taken back; it comes again).</exception>
    public ReplyTarget? Acknowledge(TrackedDelivery tracked, long generation)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        var id = tracked.Delivery.DeliveryId;
        if (_acknowledgedIds.Contains(id))
        {
            return null;
        }

        if (generation != Generation || !_open.TryGetValue(id, out var open) || !ReferenceEquals(open, tracked) || !tracked.Yielded)
        {
            throw new RuntimeFencedException($"Delivery {id} was taken back by fencing; it is delivered again after re-attach.");
        }

        _open.Remove(id);
        _acknowledgedIds.Add(id);
        if (tracked.Delivery.Sequence is { } sequence)
        {
            _acknowledgedAbove.Add(sequence);
            while (_acknowledgedAbove.Remove(_acknowledgedThrough + 1))
            {
                _acknowledgedThrough++;
            }
        }

        return tracked.Target;
    }

    /// <summary>Fencing: stop handing out, and take back what was handed out but not acknowledged.</summary>
    public void Pause()
    {
        _paused = true;
        Generation++;
        foreach (var tracked in _open.Values.Where(t => t.Yielded).ToList())
        {
            tracked.Yielded = false;
            if (tracked.Delivery.Sequence is { } sequence)
            {
                _held[sequence] = tracked;
                _nextSequence = Math.Min(_nextSequence, sequence);
            }
            else
            {
                _heldResume = tracked;
            }
        }
    }

    /// <summary>Re-attached: hand out again, <c>run.resume</c> first.</summary>
    public void Resume(DateTimeOffset now, List<TrackedDelivery> ready, List<(TaskInputDelivery Delivery, ReplyTarget? Target, DeliveryDisposition Why)> acknowledgeNow)
    {
        _paused = false;
        if (_heldResume is { } resume)
        {
            _heldResume = null;
            HandOut(resume, ready);
        }

        Pump(now, ready, acknowledgeNow);
    }

    private void Pump(DateTimeOffset now, List<TrackedDelivery> ready, List<(TaskInputDelivery Delivery, ReplyTarget? Target, DeliveryDisposition Why)> acknowledgeNow)
    {
        while (!_paused && _held.Remove(_nextSequence, out var next))
        {
            _nextSequence++;
            if (next.Delivery.ExpiresAt is { } expiresAt && now > expiresAt)
            {
                next.Yielded = true;
                next.Generation = Generation;
                Acknowledge(next, Generation);
                acknowledgeNow.Add((next.Delivery, next.Target, DeliveryDisposition.Expired));
                continue;
            }

            HandOut(next, ready);
        }
    }

    private void HandOut(TrackedDelivery tracked, List<TrackedDelivery> ready)
    {
        tracked.Yielded = true;
        tracked.Generation = Generation;
        ready.Add(tracked);
    }
}
