// EchoAgent: a runtime process for the runtime connection protocol — the service's default agent 'echo', which the
// server's build copies to agents/echo/ beside it — launched by the service with its run in the environment
// (AGENTSERVICE_URL, _RUN_ID, _ATTEMPT_ID, _RUN_TOKEN), or run as a worker that claims runs:
//   dotnet EchoAgent.dll                 (launched by the service for one run)
//   dotnet EchoAgent.dll --worker AGENT  (claims runs of AGENT from AGENTSERVICE_URL until stopped)
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Worker;
using AgentService.Samples.EchoAgent;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

if (args is ["--worker", var agentId])
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
    await new WorkerClient(http, WorkerClientOptions.FromEnvironment()).RunAsync(agentId, () => new EchoStepAgent(), stop.Token);
    return 0;
}

var outcome = await AgentRuntime.RunAsync(new EchoStepAgent(), stop.Token);
Console.WriteLine($"echo runtime finished: {outcome}");
return 0;
