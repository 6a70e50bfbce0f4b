using System.Text.Json;

namespace AgentService.Runtime.Providers;

/// <summary>A function call the model asked for (one <c>tool.call.requested</c> with a runtime, service or client
/// executor): run it and send its result back to the model under <see cref="ProviderCallId"/>.</summary>
/// <param name="ToolCallId">Our <c>toolcall_</c> id.</param>
/// <param name="ToolName">The function's name.</param>
/// <param name="Arguments">The parsed arguments; JSON null when the model produced invalid JSON.</param>
/// <param name="ArgumentsText">The argument text as the model streamed it.</param>
/// <param name="ProviderCallId">The provider's id of the call (OpenAI <c>call_id</c>, Anthropic <c>tool_use.id</c>).</param>
public sealed record ProviderToolCall(string ToolCallId, string ToolName, JsonElement Arguments, string ArgumentsText, string ProviderCallId);
