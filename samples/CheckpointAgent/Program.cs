// CheckpointAgent: a multi-step runtime that saves a checkpoint at every step boundary and resumes from it. Launched by
// the service for one run, with its run in the environment (AGENTSERVICE_URL, _RUN_ID, _ATTEMPT_ID, _RUN_TOKEN):
//   dotnet CheckpointAgent.dll
// CHECKPOINT_AGENT_WORK_MS (default 20) is how long each step "works" before it records its input.
using System.Globalization;
using AgentService.Runtime.Hosting;
using AgentService.Samples.CheckpointAgent;

var work = int.TryParse(Environment.GetEnvironmentVariable("CHECKPOINT_AGENT_WORK_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : 20;
return await AgentRuntime.RunMainAsync(args, () => new SummingAgent(TimeSpan.FromMilliseconds(work)));
