namespace AgentService.Protocol.Runtime;

/// <summary>Capability support levels.</summary>
public static class SupportLevels
{
    /// <summary>Implemented natively.</summary>
    public const string Native = "native";

    /// <summary>Emulated by the SDK (core capabilities only).</summary>
    public const string Polyfilled = "polyfilled";

    /// <summary>Not available.</summary>
    public const string Unsupported = "unsupported";
}
