using System.Runtime.InteropServices;

namespace AgentService.Server.Agents;

/// <summary>
/// The runtime of the default agent: the EchoAgent sample, which the server's build copies (whole, with its own
/// dependencies) into <c>agents/echo/</c> beside the server, for build, run and publish alike. It is started with the
/// <c>dotnet</c> host of the runtime the server runs on; an EchoAgent published ahead of time (native AOT: one
/// executable, no <c>EchoAgent.dll</c>) is started as it is, and starts in a tenth of the time.
/// </summary>
internal static class EchoAgentRuntime
{
    private static string Directory => Path.Combine(AppContext.BaseDirectory, "agents", "echo");

    /// <summary><c>agents/echo/EchoAgent.dll</c> beside the server, or the native <c>agents/echo/EchoAgent</c> when only
    /// that is there.</summary>
    public static string DefaultPath
    {
        get
        {
            var assembly = Path.Combine(Directory, "EchoAgent.dll");
            var native = Path.Combine(Directory, OperatingSystem.IsWindows() ? "EchoAgent.exe" : "EchoAgent");
            return !File.Exists(assembly) && File.Exists(native) ? native : assembly;
        }
    }

    /// <summary>How to launch the EchoAgent at <paramref name="configuredPath"/> (default <see cref="DefaultPath"/>), or
    /// <c>null</c> with the reason it cannot be launched. A <c>.dll</c> runs on the <c>dotnet</c> host; anything else
    /// is taken for a native executable.</summary>
    public static AgentRuntimeDefinition? Find(string? configuredPath, out string path, out string? problem)
    {
        path = Path.GetFullPath(string.IsNullOrWhiteSpace(configuredPath) ? DefaultPath : configuredPath);
        if (!File.Exists(path))
        {
            problem = "the file does not exist";
            return null;
        }

        if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            problem = null;
            return new AgentRuntimeDefinition { Command = path, Args = [] };
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
