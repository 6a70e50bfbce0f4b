using System.CommandLine;
using System.Net.Sockets;
using AgentService.Cli.Commands;
using AgentService.Client;
using Spectre.Console;

namespace AgentService.Cli;

/// <summary>The <c>agentsvc</c> command: <c>serve</c> runs the service; the other commands are clients of a running one.</summary>
internal static class CliApp
{
    public const string UrlEnvironmentVariable = "AGENTSERVICE_URL";
    public const string DefaultUrl = "http://127.0.0.1:8000";

    public static readonly Option<string?> UrlOption = new("--url")
    {
        Description = $"Base URL of the service (default: ${UrlEnvironmentVariable}, else {DefaultUrl}).",
        Recursive = true,
    };

    public const string ApiKeyEnvironmentVariable = "AGENTSERVICE_API_KEY";

    public static readonly Option<string?> ApiKeyOption = new("--api-key")
    {
        Description = $"The API key to send (default: ${ApiKeyEnvironmentVariable}); needed when the service runs with --auth apikey.",
        Recursive = true,
    };

    public static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print the service's JSON instead of tables.",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("agentsvc: run the AgentService and talk to it.");
        root.Options.Add(UrlOption);
        root.Options.Add(JsonOption);
        root.Options.Add(ApiKeyOption);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(TaskCommands.Create(output, error));
        root.Subcommands.Add(StepCommands.Create(output, error));
        root.Subcommands.Add(ArtifactCommands.Create(output, error));
        root.Subcommands.Add(RunCommands.Create(output, error));
        root.Subcommands.Add(AgentCommands.Create(output, error));
        root.Subcommands.Add(SendMessageCommand.Create(output, error));
        root.Subcommands.Add(MessageCommands.Create(output, error));
        root.Subcommands.Add(AdminCommands.Keys(output, error));
        root.Subcommands.Add(AdminCommands.Audit(output, error));
        root.Subcommands.Add(AdminCommands.Secrets(output, error));
        root.Subcommands.Add(AdminCommands.Config(output, error));

        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}");
            }

            await error.WriteLineAsync("Run 'agentsvc --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parsed.InvokeAsync(configuration, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM (System.CommandLine cancels the command's token), e.g. to stop 'runs follow'.
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>Runs a client command, turning failures into one line on stderr and an exit code.</summary>
    public static async Task<int> RunClientAsync(ParseResult parseResult, TextWriter output, TextWriter error, Func<CliContext, Task> action)
    {
        var url = parseResult.GetValue(UrlOption) ?? Environment.GetEnvironmentVariable(UrlEnvironmentVariable) ?? DefaultUrl;
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            await error.WriteLineAsync($"error: '{url}' is not an http(s) URL.");
            return ExitCodes.Usage;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
        });
        if (System.Console.IsOutputRedirected || output != System.Console.Out)
        {
            // Not a terminal: tables as wide as their content, so ids are never wrapped for scripts and logs.
            console.Profile.Width = 240;
        }

        var apiKey = parseResult.GetValue(ApiKeyOption) ?? Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable);
        if (apiKey is not null && apiKey.Trim().Any(c => c is < '!' or > '~'))
        {
            // An HTTP header carries printable ASCII only; every key the service issues is.
            await error.WriteLineAsync($"error: the API key (--api-key or ${ApiKeyEnvironmentVariable}) must be printable ASCII; keys look like ask_<key id>_<secret>.");
            return ExitCodes.Usage;
        }

        using var context = new CliContext(baseUrl, string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim(), parseResult.GetValue(JsonOption), output, console);
        try
        {
            await action(context);
            return ExitCodes.Ok;
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (AgentServiceClientException ex)
        {
            await error.WriteLineAsync($"error: {(int)ex.StatusCode} {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            await error.WriteLineAsync($"error: cannot reach the service at {baseUrl}: {ex.Message}");
            return ExitCodes.Unreachable;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}
