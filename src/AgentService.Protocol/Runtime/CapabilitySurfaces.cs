namespace AgentService.Protocol.Runtime;

/// <summary>Capability surfaces (PROTOCOL.md section 4).</summary>
public static class CapabilitySurfaces
{
    /// <summary>Protocol features the service checks.</summary>
    public const string Core = "core";

    /// <summary>Local actions of the runtime's platform.</summary>
    public const string Platform = "platform";
}
