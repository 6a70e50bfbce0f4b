using AgentService.Server.Gateway;
using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using AgentService.Server.Runs;
using AgentService.Server.Runtime;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>
/// This node's ear for the others, on one dedicated connection: <c>LISTEN</c> on the gateway outbox channel (wakes the
/// <see cref="OutboxDispatcher"/> when any node makes entries due, so work a busy node accepted is taken by one with
/// room) and on the runs channel (<see cref="PostgresClusterBroadcast"/>: deliveries for a runtime attached here,
/// events for stream readers here, work for workers waiting here, a connection here to close, a step a request here
/// waits on, an agent registered elsewhere). After a lost connection everything is woken once, since notifications
/// may have been missed.
/// </summary>
internal sealed class PostgresListener(
    PostgresDatabase database,
    DeliverySignal outbox,
    PostgresClusterBroadcast cluster,
    RuntimeSignals runtime,
    StepNotifier notifier,
    IStepStore steps,
    IArtifactStore artifacts,
    GatewayService gateway,
    Security.SharedRateBuckets rateBuckets,
    IStorageHealth storage,
    ILogger<PostgresListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly OutageLog _outage = new("listening for the other nodes' notifications", storage, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e.Channel, e.Payload);
                await using (var listen = connection.Command($"LISTEN {PostgresGatewayMessageStore.Channel}; LISTEN {PostgresClusterBroadcast.Channel}"))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                _outage.Succeeded();

                outbox.Set();
                runtime.WakeAll();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                if (!_outage.Failed(ex))
                {
                    Log.ListenFailed(logger, RetryDelay, ex);
                }

                try
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private void OnNotification(string channel, string payload)
    {
        if (channel == PostgresGatewayMessageStore.Channel)
        {
            outbox.Set();
            return;
        }

        if (!cluster.TryRead(payload, out var signal))
        {
            return;
        }

        if (signal.Kind == ClusterSignalKind.RateUsage)
        {
            rateBuckets.ApplyRemote(signal.Detail);
            return;
        }

        if (signal.Kind == ClusterSignalKind.Agent)
        {
            _ = AddAgentAsync(signal.Key);
            return;
        }

        if (signal.Kind == ClusterSignalKind.Step)
        {
            if (signal.Detail is { } stepId && notifier.IsWaiting(stepId))
            {
                _ = DeliverStepAsync(signal.Key, stepId);
            }

            return;
        }

        runtime.Receive(signal);
    }

    private async Task AddAgentAsync(string agentId)
    {
        try
        {
            await gateway.AddRegisteredElsewhereAsync(agentId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            Log.RemoteReadFailed(logger, "agent " + agentId, ex);
        }
    }

    /// <summary>A step another node completed, read back for the request waiting on it here.</summary>
    private async Task DeliverStepAsync(string taskId, string stepId)
    {
        try
        {
            var step = await steps.GetAsync(taskId, stepId, CancellationToken.None);
            if (step is { Status: Protocol.AgentProtocol.StepStatus.Completed })
            {
                notifier.Complete(new CompletedStep(step, await artifacts.ListByStepsAsync([stepId], CancellationToken.None)));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The waiting request reads the step itself when its wait ends.
            Log.RemoteReadFailed(logger, "step " + stepId, ex);
        }
    }
}
