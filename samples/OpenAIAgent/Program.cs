// OpenAIAgent: a runtime that answers each Agent Protocol step with one streamed OpenAI Responses call, against any
// OpenAI-compatible base URL, and publishes the stream as run events through the SDK's provider stream adapter.
// Launched by the service for an agent whose definition has, e.g.,
//   "config": {"baseUrl": "https://api.openai.com/v1", "model": "gpt-4.1-mini"},
//   "secrets": {"OPENAI_API_KEY": "sk-..."},
//   "runtime": {"command": "dotnet", "args": ["samples/OpenAIAgent/bin/Debug/net10.0/OpenAIAgent.dll"]}
using AgentService.Runtime.Hosting;
using AgentService.Samples.OpenAIAgent;

return await AgentRuntime.RunMainAsync(args, () => new OpenAIStepAgent());
