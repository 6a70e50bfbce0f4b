using System.Text.Json.Serialization;
using AgentService.Protocol.AgentProtocol;

namespace AgentService.Protocol.Gateway;

/// <summary>A page of a conversation's messages, oldest first: <c>GET /gateway/conversations/{conversation_id}/messages</c>.</summary>
public sealed class ConversationMessagesResponse
{
    /// <summary>The messages of the page.</summary>
    [JsonPropertyName("messages")]
    public required IReadOnlyList<GatewayMessage> Messages { get; init; }

    /// <summary>Paging information (<c>current_page</c>, <c>page_size</c> as in the Agent Protocol lists).</summary>
    [JsonPropertyName("pagination")]
    public required Pagination Pagination { get; init; }
}
