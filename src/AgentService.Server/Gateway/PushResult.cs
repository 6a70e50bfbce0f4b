namespace AgentService.Server.Gateway;

/// <summary>How one webhook push ended: delivered (2xx), or the reason it failed.</summary>
internal readonly record struct PushResult(bool Delivered, string? Error)
{
    public static PushResult Success { get; } = new(true, null);

    public static PushResult Failure(string error) => new(false, error);
}
