using AgentService.Tests.Common;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>Polls on the SDK's state with a deadline.</summary>
public static class Waits
{
    public static Task AttachedAsync(RuntimeConnection connection) =>
        Wait.UntilAsync(() => Task.FromResult(connection.State), s => s == RuntimeConnectionState.Attached, TimeSpan.FromSeconds(15), "attached");
}
