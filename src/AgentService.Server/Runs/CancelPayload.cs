using System.Text.Json;

namespace AgentService.Server.Runs;

/// <summary>The payload of a <c>cancel</c> delivery: <c>{"mode": "graceful"|"immediate", "reason"?, "cascade",
/// "requestedBy"}</c>.</summary>
internal static class CancelPayload
{
    public static bool IsImmediate(string payload)
    {
        using var document = JsonDocument.Parse(payload);
        return document.RootElement.TryGetProperty("mode", out var mode) && mode.ValueEquals("immediate");
    }
}
