using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Json;

/// <summary>
/// Source-generated serialization of the runtime connection protocol (commands, events, deliveries, errors, worker
/// claims). Web defaults, camelCase names as the schemas spell them (explicit on every property), nulls omitted.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ArtifactCreatedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ArtifactProducer))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ErrorOccurredData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ExceptionInfo))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.InteractionChoice))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.InteractionRequestedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.InteractionResolvedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.LogEmittedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.MessageCompletedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.MessageDeltaData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.MessageStartedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.MetricRecordedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ModelRef))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ProviderRawData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ReasoningCompletedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ReasoningDeltaData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ReasoningStartedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.RunFinishedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.RunResult))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.RunStartedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.RunStatusChangedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.RuntimeDescriptor))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.StepFinishedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.StepStartedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.SubrunLinkedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.SubrunSpawnedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.TodoItem))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.TodoUpdatedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ToolCallArgumentsDeltaData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ToolCallCompletedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ToolCallFailedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ToolCallProgressData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ToolCallRequestedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Events.ToolCallStartedData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.GetConfigCommand))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.GetConfigResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.GetKvCommand))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.GetKvResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.GetSecretsCommand))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.GetSecretsResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.HeartbeatCommand))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.HeartbeatResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Inputs.CancelPayload))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Inputs.InteractionResponsePayload))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Inputs.MessagePayload))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Inputs.RunResumePayload))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Inputs.StepInputPayload))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Inputs.TaskStartPayload))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Inputs.WakePayload))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.JsonRpcError))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.JsonRpcErrorData))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.OutputEvent))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.PublishOutputEventsRequest))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.PublishOutputEventsResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.RecoverConnectionsCommand))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.RecoverConnectionsResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.RunClaim))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.RunClaimRequest))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.RuntimeAttachRequest))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.RuntimeAttachResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.SdkCapability))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.SetKvCommand))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.SetKvResponse))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.TaskInputAck))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.TaskInputDelivery))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.Actor))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.AgentRef))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.ArtifactRef))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.Checkpoint))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.ContentPart))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.Digest))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.EntityRef))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.ErrorInfo))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.FinishReason))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.InputTokenUsage))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.OutputTokenUsage))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.PendingRecords))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.ProviderRef))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.TaskSpec))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.Usage))]
[JsonSerializable(typeof(AgentService.Protocol.Runtime.Values.WaitingReason))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class RuntimeJsonContext : JsonSerializerContext
{
    /// <summary>The context to serialize with on the wire: generated metadata with an encoder that leaves quotes,
    /// apostrophes and non-ASCII text as they are.</summary>
    public static RuntimeJsonContext Wire => WireHolder.Context;

    /// <summary>Frozen options of <see cref="Wire"/>.</summary>
    public static JsonSerializerOptions DefaultOptions => WireHolder.Context.Options;

    private static class WireHolder
    {
        public static readonly RuntimeJsonContext Context = new(new JsonSerializerOptions(Default.Options)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }
}
