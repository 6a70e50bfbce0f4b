using AgentService.Client;
using Spectre.Console;

namespace AgentService.Cli;

/// <summary>What every command needs: where the service is, how to print, and the client.</summary>
internal sealed class CliContext(Uri baseUrl, string? apiKey, bool json, TextWriter output, IAnsiConsole console) : IDisposable
{
    private readonly HttpClient _http = new(apiKey is null ? new SocketsHttpHandler() : new ApiKeyHandler(apiKey)) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };

    public Uri BaseUrl => baseUrl;

    /// <summary>Print JSON for scripts instead of tables for people.</summary>
    public bool Json => json;

    public TextWriter Output => output;

    /// <summary>Writes a line with the service's data in it, control characters made visible (<see cref="Render.Safe"/>).</summary>
    public void WriteLine(string line) => output.WriteLine(Render.Safe(line));

    public IAnsiConsole Console => console;

    public AgentProtocolClient AgentProtocol(string? agentId) => new(_http, agentId);

    public RunsClient Runs() => new(_http);

    public GatewayClient Gateway() => new(_http);

    public AdminClient Admin() => new(_http);

    public void Dispose() => _http.Dispose();
}
