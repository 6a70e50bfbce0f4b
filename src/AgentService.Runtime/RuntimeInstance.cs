using AgentService.Protocol.Ids;

namespace AgentService.Runtime;

/// <summary>This process incarnation: one <c>rti_</c> TypeID minted at first use and never reused.</summary>
public static class RuntimeInstance
{
    /// <summary>The runtimeInstanceId of this process.</summary>
    public static string Id { get; } = TypeId.New("rti");
}
