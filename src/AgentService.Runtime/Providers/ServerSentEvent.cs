namespace AgentService.Runtime.Providers;

/// <summary>One dispatched Server-Sent Event: its <c>event:</c> name (null when the stream sent none), its
/// <c>data:</c> lines joined with <c>\n</c>, and its <c>id:</c> (null when none was sent).</summary>
public sealed record ServerSentEvent(string? EventName, string Data, string? Id = null);
