using System.Collections.Concurrent;
using AgentService.Protocol.Gateway;
using AgentService.Server.Observability;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>
/// Pushes what waits in the outbox: claims due entries (leased, so nobody else takes them), pushes each to its agent's
/// webhook, and records the outcome — sent; a retry after an exponential, jittered backoff; a wait for an offline
/// agent (woken when it registers or heartbeats again); or failed once the message expires. Runs at most
/// <see cref="GatewayOptions.MaxConcurrentDeliveries"/> pushes at once. Deliveries cut off by a stop stay leased in the
/// store and are released by <see cref="GatewayInitializer"/> at the next start, or (several nodes on PostgreSQL) taken
/// by another node's dispatcher when the lease ends: at-least-once, never lost.
/// </summary>
internal sealed class OutboxDispatcher(
    IGatewayMessageStore messages,
    IGatewayAgentStore agents,
    WebhookClient webhooks,
    DeliverySignal signal,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    IStorageHealth storage,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly OutageLog _outage = new("the gateway outbox dispatcher", storage, logger);

    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private int _inFlight;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;

        // The longest the dispatcher sleeps without a signal: a safety net, since every change that creates work signals
        // (on PostgreSQL, also on the other nodes, through LISTEN/NOTIFY).
        var maxIdle = settings.OutboxPollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var capacity = settings.MaxConcurrentDeliveries - Volatile.Read(ref _inFlight);
                var wait = maxIdle;
                if (capacity > 0)
                {
                    var now = time.GetUtcNow();
                    var claimed = await messages.ClaimDueAsync(now, now + settings.WebhookTimeout + settings.LeaseMargin, capacity, stoppingToken);
                    foreach (var messageId in claimed)
                    {
                        // Counted before it starts, uncounted when it ends: the count never misses a fast delivery.
                        Interlocked.Increment(ref _inFlight);
                        var delivery = DeliverAsync(messageId, stoppingToken);
                        _running.TryAdd(delivery, 0);
                        _ = delivery.ContinueWith(done => _running.TryRemove(done, out _), CancellationToken.None,
                            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }

                    if (claimed.Count == capacity)
                    {
                        continue;
                    }

                    var next = await messages.NextDueAsync(stoppingToken);
                    if (next is { } due)
                    {
                        var untilDue = due - time.GetUtcNow();
                        wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue < maxIdle ? untilDue : maxIdle;
                    }
                }

                _outage.Succeeded();

                if (wait > TimeSpan.Zero)
                {
                    await signal.WaitAsync(wait, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                if (!_outage.Failed(ex))
                {
                    Log.DispatcherFailed(logger, ex);
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await Task.WhenAll(_running.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task DeliverAsync(string messageId, CancellationToken stoppingToken)
    {
        // Off the dispatcher loop at once: the loop goes on claiming while this pushes.
        await Task.Yield();
        try
        {
            await DeliverCoreAsync(messageId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the entry stays leased and is released at the next start.
        }
        catch (Exception ex)
        {
            // The entry stays leased; it is due again when the lease ends.
            Log.DeliveryError(logger, messageId, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            signal.Set();
        }
    }

    private async Task DeliverCoreAsync(string messageId, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var message = await messages.GetAsync(messageId, stoppingToken);
        var now = time.GetUtcNow();
        if (message is null || message.Status != MessageStatus.Queued)
        {
            // Already recorded final (a repeated claim): only the entry is left to remove.
            await messages.RecordAsync(new DeliveryUpdate(messageId, DeliveryOutcome.Expired, now), stoppingToken);
            return;
        }

        if (now >= message.ExpiresAt)
        {
            var reason = $"expired after {message.Attempts} attempt(s)" + (message.LastError is { } last ? $"; last error: {last}" : "");
            await messages.RecordAsync(new DeliveryUpdate(messageId, DeliveryOutcome.Expired, now, reason), stoppingToken);
            Log.MessageFailed(logger, messageId, message.ToAgentId, reason);
            return;
        }

        var agent = await agents.GetAsync(message.ToAgentId, stoppingToken);
        if (agent is null || agent.Status != AgentPresence.Online || agent.Card.WebhookUrl is null)
        {
            var why = agent is null ? $"agent '{message.ToAgentId}' is not registered"
                : agent.Status != AgentPresence.Online ? $"agent '{message.ToAgentId}' is offline"
                : $"agent '{message.ToAgentId}' has no webhook_url";
            var recheck = now + settings.OfflineRecheckInterval;
            await messages.RecordAsync(new DeliveryUpdate(messageId, DeliveryOutcome.Waiting, now, "waiting: " + why,
                recheck < message.ExpiresAt ? recheck : message.ExpiresAt), stoppingToken);
            return;
        }

        var result = await webhooks.PushAsync(message, agent, stoppingToken);
        now = time.GetUtcNow();
        if (result.Delivered)
        {
            await messages.RecordAsync(new DeliveryUpdate(messageId, DeliveryOutcome.Delivered, now), stoppingToken);
            return;
        }

        var attempts = message.Attempts + 1;
        Log.PushFailed(logger, messageId, agent.AgentId, attempts, result.Error!);
        var next = now + RetryPolicy.Delay(attempts, settings, Random.Shared);
        if (next >= message.ExpiresAt)
        {
            var reason = $"expired after {attempts} attempt(s); last error: {result.Error}";
            await messages.RecordAsync(new DeliveryUpdate(messageId, DeliveryOutcome.Failed, now, reason), stoppingToken);
            Log.MessageFailed(logger, messageId, agent.AgentId, reason);
            return;
        }

        await messages.RecordAsync(new DeliveryUpdate(messageId, DeliveryOutcome.Retry, now, result.Error, next), stoppingToken);
    }
}
