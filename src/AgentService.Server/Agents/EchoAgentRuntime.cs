using System.Runtime.InteropServices;

namespace AgentService.Server.Agents;

/// <summary>
/// The runtime of the default agent: the EchoAgent sample, which the server's build copies (whole, with its own
/// dependencies) into <c>agents/echo/</c> beside the server, for build, run and publish alike. It is started with the
/// <c>dotnet</c> host of the runtime the server runs on.
/// </summary>
internal static class EchoAgentRuntime
{
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "agents", "echo", "EchoAgent.dll");

    /// <summary>How to launch the EchoAgent at <paramref name="configuredPath"/> (default <see cref="DefaultPath"/>), or
    /// <c>null</c> with the reason it cannot be launched.</summary>
    public static AgentRuntimeDefinition? Find(string? configuredPath, out string path, out string? problem)
    {
        path = Path.GetFullPath(string.IsNullOrWhiteSpace(configuredPath) ? DefaultPath : configuredPath);
        if (!File.Exists(path))
        {
            problem = "the file does not exist";
            return null;
        }

        if (DotnetHost() is not { } host)
        {
            problem = "no 'dotnet' host was found to run it";
            return null;
        }

        problem = null;
        return new AgentRuntimeDefinition { Command = host, Args = [path] };
    }

    /// <summary>The <c>dotnet</c> host: the one running this process (<c>dotnet AgentService.Server.dll</c>), else the
    /// one beside the shared runtime this process uses (its own executable, as <c>dotnet run</c> starts it), else the
    /// first on the PATH; <c>null</c> when there is none.</summary>
    internal static string? DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } current && string.Equals(Path.GetFileName(current), name, StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        // A shared runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/, and its host in <root>.
        var runtime = new DirectoryInfo(Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory()));
        if (runtime.Parent?.Parent?.Parent is { } root && File.Exists(Path.Combine(root.FullName, name)))
        {
            return Path.Combine(root.FullName, name);
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }
}
