using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of the runtime's reply to <c>service.task.input.event</c> (<c>service.task.input.reply</c>).</summary>
public sealed class TaskInputAck
{
    /// <summary>Always true; a refusal is a JSON-RPC error.</summary>
    [JsonPropertyName("accepted")]
    public required bool Accepted { get; init; }
}
