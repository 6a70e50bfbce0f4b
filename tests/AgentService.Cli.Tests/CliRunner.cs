using System.Text.Json;

namespace AgentService.Cli.Tests;

/// <summary>Runs <c>agentsvc</c> in-process against a service, capturing stdout, stderr and the exit code.</summary>
internal static class CliRunner
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(Uri service, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(["--url", service.ToString(), .. args], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs with <c>--json</c>, asserts success and parses the output.</summary>
    public static async Task<JsonElement> RunJsonAsync(Uri service, params string[] args)
    {
        var (exit, output, error) = await RunAsync(service, [.. args, "--json"]);
        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }
}
