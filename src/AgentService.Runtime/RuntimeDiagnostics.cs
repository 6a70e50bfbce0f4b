using System.Diagnostics;

namespace AgentService.Runtime;

/// <summary>The SDK's one <see cref="ActivitySource"/>.</summary>
internal static class RuntimeDiagnostics
{
    public const string Name = "AgentService.Runtime";

    public static readonly ActivitySource ActivitySource = new(Name, typeof(RuntimeDiagnostics).Assembly.GetName().Version?.ToString());

    /// <summary>The SDK name and version written into <c>run.started</c>.</summary>
    public static string SdkVersion { get; } = typeof(RuntimeDiagnostics).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
}
