using System.Diagnostics;
using System.Security.Cryptography;

namespace AgentService.Runtime;

/// <summary>W3C trace context helpers: the SDK copies the received context (tracing is polyfilled) or uses the
/// current activity's, and mints a fresh sampled one when there is neither.</summary>
internal static class TraceContext
{
    public static string? Current() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    public static string NewTraceParent()
    {
        Span<byte> bytes = stackalloc byte[24];
        do
        {
            RandomNumberGenerator.Fill(bytes);
        }
        while (bytes[..16].IndexOfAnyExcept((byte)0) < 0 || bytes[16..].IndexOfAnyExcept((byte)0) < 0);

        return $"00-{Convert.ToHexStringLower(bytes[..16])}-{Convert.ToHexStringLower(bytes[16..])}-01";
    }
}
