namespace AgentService.Server.Security;

/// <summary>Lets an endpoint name what it changed (e.g. the id it created) for the request's audit entry.</summary>
internal static class AuditTarget
{
    private static readonly object TargetKey = new();
    private static readonly object DetailKey = new();
    private static readonly object ActorKey = new();
    private static readonly object DeniedKey = new();

    /// <summary>Names the actor of a request whose credentials were refused but name a stored key.</summary>
    public static void SetActor(HttpContext context, string actor) => context.Items[ActorKey] = actor;

    /// <summary>The actor for the audit log: the authenticated caller, else the key a refused request named.</summary>
    public static string Actor(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? context.User.Actor()
        : context.Items.TryGetValue(ActorKey, out var value) && value is string actor ? actor
        : "unauthenticated";

    public static void Set(HttpContext context, string target) => context.Items[TargetKey] = target;

    public static string? Get(HttpContext context) => context.Items.TryGetValue(TargetKey, out var value) ? value as string : null;

    /// <summary>Why a request was refused, for its audit entry (never a credential).</summary>
    public static void SetDetail(HttpContext context, string detail) => context.Items[DetailKey] = detail;

    public static string? GetDetail(HttpContext context) => context.Items.TryGetValue(DetailKey, out var value) ? value as string : null;

    /// <summary>Marks a refusal answered with another status than 401/403 (a 404 that hides what exists) as denied.</summary>
    public static void SetDenied(HttpContext context) => context.Items[DeniedKey] = true;

    public static bool IsDenied(HttpContext context) => context.Items.ContainsKey(DeniedKey);
}
