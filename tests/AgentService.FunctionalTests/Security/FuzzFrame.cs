namespace AgentService.FunctionalTests.Security;

/// <summary>One malformed frame; <see cref="Answered"/> is false for frames JSON-RPC does not answer (responses).</summary>
internal sealed record FuzzFrame(string Kind, byte[] Bytes, bool Answered = true);
