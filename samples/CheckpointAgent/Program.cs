// CheckpointAgent: a multi-step runtime that saves a checkpoint at every step boundary and resumes from it. Launched by
// the service for one run, with its run in the environment (AGENTSERVICE_URL, _RUN_ID, _ATTEMPT_ID, _RUN_TOKEN):
//   dotnet CheckpointAgent.dll
// CHECKPOINT_AGENT_WORK_MS (default 20) is how long each step "works" before it records its input.
using System.Globalization;
using AgentService.Runtime.Hosting;
using AgentService.Samples.CheckpointAgent;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var work = int.TryParse(Environment.GetEnvironmentVariable("CHECKPOINT_AGENT_WORK_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : 20;
var outcome = await AgentRuntime.RunAsync(new SummingAgent(TimeSpan.FromMilliseconds(work)), stop.Token);
Console.WriteLine($"checkpoint runtime finished: {outcome}");
return 0;
