namespace AgentService.Protocol.Gateway;

/// <summary>The <c>status</c> values of a registered agent.</summary>
public static class AgentPresence
{
    /// <summary>Heartbeating (or hosted by the service): messages are pushed to it.</summary>
    public const string Online = "online";

    /// <summary>Unregistered, or no heartbeat within the heartbeat timeout.</summary>
    public const string Offline = "offline";
}
