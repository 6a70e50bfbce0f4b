using System.Collections;
using System.Runtime.InteropServices;
using AgentService.Runtime.Worker;

namespace AgentService.Runtime.Hosting;

public static partial class AgentRuntime
{
    /// <summary>
    /// The whole <c>Main</c> of a runtime process: <c>return await AgentRuntime.RunMainAsync(args, () => new MyAgent());</c>.
    /// Without arguments it serves the run the service launched it for (the run is in its environment); with
    /// <c>--worker AGENT_ID</c> it claims runs of that agent from <c>AGENTSERVICE_URL</c> until stopped. Ctrl+C or
    /// SIGTERM stops it (exit code 0). Returns the exit code: 0 when done; 2, with a one-line message on standard error instead of an unhandled
    /// exception, when the arguments or the environment lack what it needs, or when the service refuses a worker's claims
    /// for good (no such worker-mode agent, a bad token).
    /// </summary>
    public static Task<int> RunMainAsync(string[] args, Func<IAgent> createAgent, CancellationToken cancellationToken = default) =>
        RunMainAsync(args, createAgent, Console.Error, environment: null, cancellationToken);

    internal static async Task<int> RunMainAsync(string[] args, Func<IAgent> createAgent, TextWriter error, IDictionary? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(createAgent);
        ArgumentNullException.ThrowIfNull(error);
        var name = AppDomain.CurrentDomain.FriendlyName;
        var usage = $"usage: {name}  (started by AgentService for one run, which it names in AGENTSERVICE_URL, AGENTSERVICE_RUN_ID, "
            + $"AGENTSERVICE_ATTEMPT_ID, AGENTSERVICE_RUN_TOKEN) | {name} --worker AGENT_ID  (claims that agent's runs from AGENTSERVICE_URL)";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            stop.Cancel();
        }

        Console.CancelKeyPress += OnCancel;

        // SIGTERM (systemd, Kubernetes, kill) stops it the same way, so a worker ends its runs' work cleanly.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            switch (args)
            {
                case []:
                    var options = AgentRuntimeOptions.FromEnvironment(environment);
                    options.Connection = RuntimeConnectionOptions.FromEnvironment(environment);
                    await RunAsync(createAgent(), options, stop.Token).ConfigureAwait(false);
                    return 0;
                case ["--worker", var agentId] when !agentId.StartsWith('-'):
                    using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(90) })
                    {
                        await new WorkerClient(http, WorkerClientOptions.FromEnvironment(environment)).RunAsync(agentId, createAgent, stop.Token).ConfigureAwait(false);
                    }

                    return 0;
                default:
                    await error.WriteLineAsync($"{name}: unexpected arguments '{string.Join(' ', args)}'; {usage}").ConfigureAwait(false);
                    return 2;
            }
        }
        catch (RuntimeConfigurationException ex)
        {
            await error.WriteLineAsync($"{name}: {ex.Message}; {usage}").ConfigureAwait(false);
            return 2;
        }
        catch (HttpRequestException ex) when (ex.StatusCode is not null && args is ["--worker", _])
        {
            // The service refused the claims for good (wrong agent id, an agent not in worker mode, a bad token).
            await error.WriteLineAsync($"{name}: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }
}
