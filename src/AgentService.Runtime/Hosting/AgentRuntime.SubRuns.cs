using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;
using Microsoft.Extensions.Logging;

namespace AgentService.Runtime.Hosting;

public static partial class AgentRuntime
{
    private sealed partial class Host
    {
        private readonly Dictionary<string, RunContext> _subRuns = new(StringComparer.Ordinal);

        /// <summary>A span of the SDK's ActivitySource around the handling of one delivery, a child of the delivery's
        /// traceparent: what the agent does meanwhile (HTTP calls to a model, its own spans) joins the client's trace.
        /// <c>null</c> when nobody listens.</summary>
        private static System.Diagnostics.Activity? StartDeliveryActivity(InputDelivery delivery)
        {
            var wire = delivery.Delivery;
            var parent = System.Diagnostics.ActivityContext.TryParse(wire.TraceParent, wire.TraceState, isRemote: true, out var context) ? context : default;
            var activity = RuntimeDiagnostics.ActivitySource.StartActivity("agent " + wire.Kind, System.Diagnostics.ActivityKind.Consumer, parent);
            activity?.SetTag("agentservice.run_id", wire.RunId);
            activity?.SetTag("agentservice.delivery_id", wire.DeliveryId);
            activity?.SetTag("agentservice.delivery_kind", wire.Kind);
            return activity;
        }

        /// <summary>A delivery of a local sub-run: its task.start runs <see cref="IAgent.OnSubRunAsync"/> between the
        /// child's run.started and run.finished; its cancel finishes it as cancelled; a run.resume (a sub-run an earlier
        /// attempt of the main run left unfinished, handed to this process) goes to <see cref="IAgent.OnResumeAsync"/>
        /// before its task.start comes again; anything else goes to OnInputAsync.</summary>
        private async Task HandleSubRunAsync(InputDelivery delivery, CancellationToken work)
        {
            if (!_subRuns.TryGetValue(delivery.RunId, out var child))
            {
                child = new RunContext(connection, delivery.RunId, delivery.Delivery.AttemptId);
                _subRuns[delivery.RunId] = child;
            }

            child.CurrentDelivery = delivery;
            child.WorkToken = work;
            try
            {
                switch (delivery.Kind)
                {
                    case InputKinds.TaskStart:
                        await RunSubRunAsync(child, delivery, work).ConfigureAwait(false);
                        break;
                    case InputKinds.RunResume:
                        var resume = delivery.GetRunResume();
                        child.ResumePayload = resume;
                        await agent.OnResumeAsync(child, resume, work).ConfigureAwait(false);
                        child.AttemptNumber = resume.AttemptNumber;
                        break;
                    case InputKinds.Cancel when !child.RunFinished:
                        await child.PublishAsync(OutputEvents.RunCancelled(delivery.GetCancel().Reason)).ConfigureAwait(false);
                        break;
                    default:
                        await agent.OnInputAsync(child, delivery, work).ConfigureAwait(false);
                        break;
                }
            }
            finally
            {
                child.CurrentDelivery = null;
                if (child.RunFinished)
                {
                    _subRuns.Remove(delivery.RunId);
                }
            }
        }

        private async Task RunSubRunAsync(RunContext child, InputDelivery delivery, CancellationToken work)
        {
            var start = delivery.GetTaskStart();
            child.Task = start;
            await child.PublishAsync(OutputEvents.RunStarted(new RunStartedData
            {
                AttemptNumber = child.AttemptNumber,
                ResumedFromCheckpointId = child.ResumePayload?.Checkpoint?.CheckpointId,
                Agent = start.Agent,
                Runtime = new RuntimeDescriptor
                {
                    RuntimeInstanceId = connection.RuntimeInstanceId,
                    Name = connectionOptions?.RuntimeName ?? "dotnet-runtime",
                    SdkName = RuntimeDiagnostics.Name,
                    SdkVersion = RuntimeDiagnostics.SdkVersion,
                },
                ParentRunId = start.ParentRunId,
                RootRunId = start.RootRunId,
                ParentToolCallId = start.ParentToolCallId,
                StartDeliveryId = delivery.DeliveryId,
            })).ConfigureAwait(false);

            OutputEventDraft finished;
            try
            {
                var result = await agent.OnSubRunAsync(child, work).ConfigureAwait(false);
                finished = OutputEvents.RunFinished(new RunFinishedData { Status = "completed", Result = result });
            }
            catch (OperationCanceledException) when (connection.IsCancellationRequested)
            {
                finished = OutputEvents.RunCancelled("the parent run was cancelled");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SubRunFailed(logger, child.RunId, ex);
                finished = OutputEvents.RunFinished(new RunFinishedData
                {
                    Status = "failed",
                    Error = new ErrorInfo { Code = "subrun_failed", Message = ex.Message },
                });
            }

            await child.PublishAsync(finished).ConfigureAwait(false);
        }
    }
}
