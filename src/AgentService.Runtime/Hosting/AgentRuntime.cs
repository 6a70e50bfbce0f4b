using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentService.Runtime.Hosting;

/// <summary>
/// Runs an <see cref="IAgent"/> over a runtime connection: <c>await AgentRuntime.RunAsync(new MyAgent());</c>.
/// It emits <c>run.started</c> (on task.start or run.resume), <c>step.started</c>/<c>step.finished</c> around each
/// Agent Protocol step (stepId from the step.input delivery; a step that finishes at once sends both in one batch),
/// acknowledges each delivery once its events are stored,
/// and on a <c>cancel</c> input cancels the work and emits <c>run.finished(cancelled)</c>. Work stopped by fencing is
/// not acknowledged, so the service redelivers it after the re-attach and it is done again.
/// </summary>
public static partial class AgentRuntime
{
    /// <summary>Connects from the launcher's environment variables and runs the agent until the run finishes (or it is
    /// idle for the time the launcher asked for).</summary>
    public static Task<AgentRunOutcome> RunAsync(IAgent agent, CancellationToken cancellationToken = default) =>
        RunAsync(agent, AgentRuntimeOptions.FromEnvironment(), cancellationToken);

    /// <summary>Connects with <paramref name="options"/> and runs the agent until the run finishes or it is idle.</summary>
    public static async Task<AgentRunOutcome> RunAsync(IAgent agent, AgentRuntimeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(options);
        var connectionOptions = options.Connection ?? RuntimeConnectionOptions.FromEnvironment();
        var connection = await RuntimeConnection.ConnectAsync(connectionOptions, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var effective = new AgentRuntimeOptions { Connection = connectionOptions, IdleTimeout = options.IdleTimeout, StepKind = options.StepKind };
            return await RunAsync(agent, connection, effective, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the agent over an open connection (the caller disposes it).</summary>
    public static async Task<AgentRunOutcome> RunAsync(IAgent agent, IRuntimeConnection connection, AgentRuntimeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new AgentRuntimeOptions();
        var connectionOptions = options.Connection;
        var logger = (connectionOptions?.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(AgentRuntime));
        var host = new Host(agent, connection, options, connectionOptions, logger);
        return await host.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed partial class Host(IAgent agent, IRuntimeConnection connection, AgentRuntimeOptions options, RuntimeConnectionOptions? connectionOptions, ILogger logger)
    {
        private readonly RunContext _context = new(connection)
        {
            // The artifact calls go to the node the connection uses (and fail over with it).
            Artifacts = connectionOptions is null ? null : new RunArtifacts(
                connection is RuntimeConnection attached ? attached.Endpoints : new ServiceEndpoints(connectionOptions.ServiceUrls, logger),
                connectionOptions.RunToken),
        };
        private readonly TimeProvider _time = connectionOptions?.TimeProvider ?? TimeProvider.System;
        private bool _started;
        private int _stepIndex;

        public async Task<AgentRunOutcome> RunAsync(CancellationToken cancellationToken)
        {
            using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
            ArmIdle(idle);
            var deliveries = connection.ReadDeliveriesAsync(linked.Token).GetAsyncEnumerator(linked.Token);
            var held = new Queue<InputDelivery>();
            Task<bool>? next = null;
            try
            {
                while (true)
                {
                    InputDelivery delivery;
                    if (held.Count > 0)
                    {
                        delivery = held.Dequeue();
                    }
                    else
                    {
                        next ??= deliveries.MoveNextAsync().AsTask();
                        if (!await next.ConfigureAwait(false))
                        {
                            break;
                        }

                        next = null;
                        delivery = deliveries.Current;
                    }

                    idle.CancelAfter(Timeout.InfiniteTimeSpan);
                    using var activity = StartDeliveryActivity(delivery);
                    var handling = HandleOneAsync(delivery, cancellationToken);

                    // While a handler runs (it may await an interaction's response), keep reading: a response to an
                    // awaited interaction goes to its waiter, anything else is held until the handler returns.
                    while (!handling.IsCompleted)
                    {
                        next ??= deliveries.MoveNextAsync().AsTask();
                        if (await Task.WhenAny(handling, next).ConfigureAwait(false) != next)
                        {
                            break;
                        }

                        if (!await next.ConfigureAwait(false))
                        {
                            break;
                        }

                        next = null;
                        var arrived = deliveries.Current;
                        if (_context.TryCompleteInteraction(arrived))
                        {
                            await arrived.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                        }
                        else
                        {
                            held.Enqueue(arrived);
                        }
                    }

                    await handling.ConfigureAwait(false);
                    if (_context.RunFinished)
                    {
                        return AgentRunOutcome.RunFinished;
                    }

                    if (next is { IsCompleted: true } && !await next.ConfigureAwait(false))
                    {
                        break;
                    }

                    ArmIdle(idle);
                }
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Log.IdleExit(logger, options.IdleTimeout ?? TimeSpan.Zero);
                return AgentRunOutcome.Idle;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return AgentRunOutcome.Stopped;
            }
            finally
            {
                if (next is { IsCompleted: false })
                {
                    await linked.CancelAsync().ConfigureAwait(false);
                    await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                await deliveries.DisposeAsync().ConfigureAwait(false);
            }

            return AgentRunOutcome.Stopped;
        }

        private void ArmIdle(CancellationTokenSource idle)
        {
            // A local sub-run still alive here (e.g. one waiting for its dependencies) needs this process: the host
            // does not go idle until none is left.
            if (options.IdleTimeout is { } timeout && connection.LocalSubRuns.Count == 0)
            {
                // A timer goes no further than int.MaxValue ms (24.8 days); longer means never in practice.
                idle.CancelAfter(timeout < AgentRuntimeOptions.MaxIdleTimeout ? timeout : AgentRuntimeOptions.MaxIdleTimeout);
            }
        }

        /// <summary>Handles one delivery; work stopped by fencing is left unacknowledged (it comes again).</summary>
        private async Task HandleOneAsync(InputDelivery delivery, CancellationToken cancellationToken)
        {
            try
            {
                await HandleAsync(delivery).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !connection.IsCancellationRequested)
            {
                // Fenced: the delivery was not acknowledged and comes again after the re-attach.
                Log.WorkFenced(logger, delivery.DeliveryId);
            }
            finally
            {
                _context.CurrentDelivery = null;
                _context.CurrentStepId = null;
                if (delivery.Sequence is { } sequence && delivery.RunId == connection.RunId)
                {
                    _context.HandledSequence = Math.Max(_context.HandledSequence, sequence);
                }
            }
        }

        private async Task HandleAsync(InputDelivery delivery)
        {
            _context.CurrentDelivery = delivery;
            _context.WorkToken = connection.WorkToken;
            var work = _context.WorkToken;
            if (delivery.RunId != connection.RunId)
            {
                await HandleSubRunAsync(delivery, work).ConfigureAwait(false);
                await delivery.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }

            switch (delivery.Kind)
            {
                case InputKinds.RunResume:
                    var resume = delivery.GetRunResume();
                    _context.ResumePayload = resume;
                    _context.HandledSequence = resume.InputCursor;
                    await agent.OnResumeAsync(_context, resume, work).ConfigureAwait(false);
                    await PublishRunStartedAsync(delivery, resume.AttemptNumber, null, resume.Checkpoint?.CheckpointId).ConfigureAwait(false);
                    break;
                case InputKinds.TaskStart:
                    var start = delivery.GetTaskStart();
                    _context.Task = start;
                    await PublishRunStartedAsync(delivery, 1, start, null).ConfigureAwait(false);
                    await agent.OnTaskStartAsync(_context, work).ConfigureAwait(false);
                    break;
                case InputKinds.StepInput when delivery.GetStepInput() is { StepId: { } stepId } step:
                    await RunStepAsync(delivery, stepId, step.Value, work).ConfigureAwait(false);
                    break;
                case InputKinds.Cancel:
                    var cancel = delivery.GetCancel();
                    await _context.PublishAsync(OutputEvents.RunCancelled(cancel.Reason)).ConfigureAwait(false);
                    break;
                default:
                    await agent.OnInputAsync(_context, delivery, work).ConfigureAwait(false);
                    break;
            }

            await delivery.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
        }

        private async Task PublishRunStartedAsync(InputDelivery delivery, int attemptNumber, Protocol.Runtime.Inputs.TaskStartPayload? start, string? checkpointId)
        {
            if (_started)
            {
                return;
            }

            await _context.PublishAsync(OutputEvents.RunStarted(new RunStartedData
            {
                AttemptNumber = attemptNumber,
                Agent = start?.Agent,
                Runtime = new RuntimeDescriptor
                {
                    RuntimeInstanceId = connection.RuntimeInstanceId,
                    Name = connectionOptions?.RuntimeName ?? "dotnet-runtime",
                    Version = connectionOptions?.RuntimeVersion,
                    SdkName = RuntimeDiagnostics.Name,
                    SdkVersion = RuntimeDiagnostics.SdkVersion,
                },
                ParentRunId = start?.ParentRunId,
                RootRunId = start?.RootRunId,
                ParentToolCallId = start?.ParentToolCallId,
                ResumedFromCheckpointId = checkpointId,
                StartDeliveryId = delivery.DeliveryId,
            })).ConfigureAwait(false);
            _started = true;
        }

        private async Task RunStepAsync(InputDelivery delivery, string stepId, JsonElement? value, CancellationToken work)
        {
            var input = new StepInput
            {
                StepId = stepId,
                Input = value switch
                {
                    { ValueKind: JsonValueKind.String } text => text.GetString(),
                    { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.String => i.GetString(),
                    _ => null,
                },
                AdditionalInput = value is { ValueKind: JsonValueKind.Object } v && v.TryGetProperty("additional_input", out var extra) && extra.ValueKind == JsonValueKind.Object ? extra.Clone() : null,
                Value = value,
                Delivery = delivery,
            };

            _context.CurrentStepId = stepId;
            _context.TakeStepCheckpoints(); // none survive from a step whose work was fenced
            _context.InStep = true;
            _context.HoldStepStarted(OutputEvents.StepStarted(stepId, _stepIndex++, options.StepKind));
            StepFinishedData finished;
            try
            {
                var running = agent.OnStepAsync(_context, input, work);
                if (!running.IsCompleted)
                {
                    // The agent is at work: the step shows as running now (unless the agent published already).
                    await _context.FlushStepStartedAsync().ConfigureAwait(false);
                }

                var result = await running.ConfigureAwait(false);
                finished = new StepFinishedData
                {
                    StepId = stepId,
                    Status = "completed",
                    Output = result.Output,
                    AdditionalOutput = result.AdditionalOutput,
                    IsLast = result.IsLast,
                    Name = result.Name,
                };
            }
            catch (OperationCanceledException) when (connection.IsCancellationRequested)
            {
                finished = new StepFinishedData { StepId = stepId, Status = "cancelled" };
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.StepFailed(logger, stepId, ex);
                finished = new StepFinishedData
                {
                    StepId = stepId,
                    Status = "failed",
                    Error = new ErrorInfo { Code = "step_failed", Message = ex.Message },
                };
            }

            // Checkpoints saved in the step are stored in the same batch, after step.finished: atomically, so a new
            // execution resumes either before the step (it runs again) or after it (finished, with its output). A
            // run.finished the agent published in the step comes last.
            _context.InStep = false;
            await _context.PublishAsync([OutputEvents.StepFinished(finished), .. _context.TakeStepCheckpoints()], CancellationToken.None).ConfigureAwait(false);
        }
    }
}
