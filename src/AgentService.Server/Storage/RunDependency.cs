namespace AgentService.Server.Storage;

/// <summary>A run that <c>RunId</c>'s dependent must see end as <see cref="Condition"/> (<c>completed</c>) before it
/// starts, and that run's <see cref="Status"/>.</summary>
internal sealed record RunDependency(string RunId, string Condition, string Status);
