namespace AgentService.Server.Storage;

/// <summary>An agent card as stored in the gateway registry. <see cref="Metadata"/> is the JSON text of an object.</summary>
internal sealed record AgentRegistration(
    string AgentId,
    string AgentName,
    string AgentType,
    IReadOnlyList<string> Capabilities,
    string Description,
    string? WebhookUrl,
    string Metadata);
