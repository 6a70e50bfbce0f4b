// EchoAgent: a runtime process for the runtime connection protocol — the service's default agent 'echo', which the
// server's build copies to agents/echo/ beside it — launched by the service with its run in the environment
// (AGENTSERVICE_URL, _RUN_ID, _ATTEMPT_ID, _RUN_TOKEN), or run as a worker that claims runs:
//   dotnet EchoAgent.dll                 (launched by the service for one run)
//   dotnet EchoAgent.dll --worker AGENT  (claims runs of AGENT from AGENTSERVICE_URL until stopped)
using AgentService.Runtime.Hosting;
using AgentService.Samples.EchoAgent;

// Without arguments, or with --worker AGENT; a missing variable is a one-line error and exit code 2.
return await AgentRuntime.RunMainAsync(args, () => new EchoStepAgent());
