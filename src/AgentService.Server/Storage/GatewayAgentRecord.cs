namespace AgentService.Server.Storage;

/// <summary>
/// An agent of the gateway registry. <see cref="Hosted"/> agents come from the agents file: the service itself keeps
/// them online, the heartbeat sweeper leaves them alone.
/// </summary>
internal sealed record GatewayAgentRecord(
    AgentRegistration Card,
    string WebhookSecret,
    bool Hosted,
    string Status,
    DateTimeOffset LastHeartbeat,
    DateTimeOffset RegisteredAt)
{
    public string AgentId => Card.AgentId;
}
