namespace AgentService.Tests.Common;

/// <summary>A test that needs the server published with its default agent compiled ahead of time (<c>dotnet publish
/// src/AgentService.Server -p:EchoAgentAot=true -o DIR</c>): it is reported as skipped, with the reason, when
/// <c>AGENTSERVICE_TEST_NATIVE_SERVER</c> does not name such a directory. <c>./test.sh</c> publishes it and sets the
/// variable, and in CI a failed publish fails the run.</summary>
public sealed class NativeEchoAgentFactAttribute : FactAttribute
{
    public NativeEchoAgentFactAttribute()
    {
        if (ServerDirectory is null)
        {
            Skip = "Needs the server published with the native EchoAgent: dotnet publish src/AgentService.Server -c Release "
                + "-p:EchoAgentAot=true -o DIR, then set AGENTSERVICE_TEST_NATIVE_SERVER=DIR; or run ./test.sh.";
        }
    }

    /// <summary>The published server, when it is there with a native <c>agents/echo/EchoAgent</c>.</summary>
    public static string? ServerDirectory =>
        Environment.GetEnvironmentVariable("AGENTSERVICE_TEST_NATIVE_SERVER") is { Length: > 0 } directory
            && File.Exists(Path.Combine(directory, "agents", "echo", "EchoAgent"))
            ? Path.GetFullPath(directory)
            : null;
}
