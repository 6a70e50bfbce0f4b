using AgentService.Protocol.Gateway;

namespace AgentService.Server.Gateway;

/// <summary>A validated <c>POST /gateway/send</c> body. <see cref="ConversationId"/> is <c>null</c> when one is to be
/// generated; <see cref="Metadata"/> is the JSON text of an object; file parts are not resolved yet.</summary>
internal sealed record SendCommand(
    string FromAgentId,
    string ToAgentId,
    string? ConversationId,
    IReadOnlyList<ContentPart> Content,
    string Metadata,
    string Delivery);
