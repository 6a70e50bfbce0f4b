using AgentService.Cli;

namespace AgentService.FunctionalTests;

/// <summary>Runs <c>agentsvc</c> in this process against a real server, as a user would from a shell.</summary>
internal static class CliRunner
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(Uri service, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(["--url", service.ToString(), .. args], output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
