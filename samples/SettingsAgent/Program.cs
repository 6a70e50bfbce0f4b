// SettingsAgent: a runtime that reads its agent's config and secrets and keeps a counter in the session KV store.
// Launched by the service for an agent whose definition has "config", "secrets" and
//   "runtime": {"command": "dotnet", "args": ["samples/SettingsAgent/bin/Debug/net10.0/SettingsAgent.dll"]}
using AgentService.Runtime.Hosting;
using AgentService.Samples.SettingsAgent;

return await AgentRuntime.RunMainAsync(args, () => new SettingsStepAgent());
