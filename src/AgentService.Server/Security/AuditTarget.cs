namespace AgentService.Server.Security;

/// <summary>Lets an endpoint name what it changed (e.g. the id it created) for the request's audit entry.</summary>
internal static class AuditTarget
{
    private static readonly object TargetKey = new();
    private static readonly object DetailKey = new();

    public static void Set(HttpContext context, string target) => context.Items[TargetKey] = target;

    public static string? Get(HttpContext context) => context.Items.TryGetValue(TargetKey, out var value) ? value as string : null;

    /// <summary>Why a request was refused, for its audit entry (never a credential).</summary>
    public static void SetDetail(HttpContext context, string detail) => context.Items[DetailKey] = detail;

    public static string? GetDetail(HttpContext context) => context.Items.TryGetValue(DetailKey, out var value) ? value as string : null;
}
