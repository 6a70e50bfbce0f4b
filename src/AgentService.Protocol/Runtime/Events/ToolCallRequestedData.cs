using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>tool.call.requested</c>: opens a tool-call record.</summary>
public sealed class ToolCallRequestedData
{
    /// <summary><c>toolcall_</c> id.</summary>
    [JsonPropertyName("toolCallId")]
    public required string ToolCallId { get; init; }

    /// <summary>Tool name.</summary>
    [JsonPropertyName("toolName")]
    public required string ToolName { get; init; }

    /// <summary>Parsed arguments, or JSON null when invalid.</summary>
    [JsonPropertyName("arguments")]
    public required JsonElement Arguments { get; init; }

    /// <summary>Raw argument text.</summary>
    [JsonPropertyName("argumentsText")]
    public string? ArgumentsText { get; init; }

    /// <summary>runtime, service, provider, client.</summary>
    [JsonPropertyName("executor")]
    public required string Executor { get; init; }

    /// <summary>Whether an approval interaction gates it.</summary>
    [JsonPropertyName("requiresApproval")]
    public required bool RequiresApproval { get; init; }

    /// <summary>Required with requiresApproval.</summary>
    [JsonPropertyName("interactionId")]
    public string? InteractionId { get; init; }

    /// <summary>The message that asked for it.</summary>
    [JsonPropertyName("messageId")]
    public string? MessageId { get; init; }

    /// <summary>MCP server.</summary>
    [JsonPropertyName("mcpServer")]
    public string? McpServer { get; init; }

    /// <summary>Idempotency key of the execution.</summary>
    [JsonPropertyName("idempotencyKey")]
    public string? IdempotencyKey { get; init; }

    /// <summary>Timeout.</summary>
    [JsonPropertyName("timeoutMs")]
    public long? TimeoutMs { get; init; }

    /// <summary>Provider reference.</summary>
    [JsonPropertyName("providerRef")]
    public Values.ProviderRef? ProviderRef { get; init; }

    /// <summary>Provider pass-through.</summary>
    [JsonPropertyName("providerMetadata")]
    public JsonElement? ProviderMetadata { get; init; }
}
