namespace AgentService.Server.Gateway;

/// <summary>How one webhook push ended: delivered (2xx), or the reason it failed. <see cref="Summary"/> is the reason
/// without what the receiver wrote in its answer (for telemetry, which is not the place for a third party's text).</summary>
internal readonly record struct PushResult(bool Delivered, string? Error, string? Summary = null)
{
    public static PushResult Success { get; } = new(true, null);

    public static PushResult Failure(string error, string? summary = null) => new(false, error, summary ?? error);
}
