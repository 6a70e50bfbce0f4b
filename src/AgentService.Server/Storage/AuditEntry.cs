namespace AgentService.Server.Storage;

/// <summary>One line of the audit log: who did what to what, and how it ended.</summary>
/// <param name="Actor"><c>key:&lt;key id&gt;</c>, <c>run:&lt;run id&gt;</c>, <c>anonymous</c> (auth mode none) or <c>unauthenticated</c>.</param>
/// <param name="Action">What was attempted, e.g. <c>POST /ap/v1/agent/tasks</c> or <c>runtime.attach</c>.</param>
/// <param name="Target">The resource, e.g. a task, run, agent or key id (never a secret).</param>
/// <param name="Outcome"><c>success</c>, <c>denied</c> or <c>failed</c>.</param>
internal sealed record AuditEntry(
    DateTimeOffset Time,
    string Actor,
    string Action,
    string? Target,
    string Outcome,
    int? Status,
    string? TraceId,
    string? RemoteAddress,
    string? Detail)
{
    public long Seq { get; init; }
}

/// <summary>A filter over the audit log; every part is optional.</summary>
internal sealed record AuditQuery(string? Actor, string? Action, DateTimeOffset? Since, DateTimeOffset? Until, int Page, int PageSize);
