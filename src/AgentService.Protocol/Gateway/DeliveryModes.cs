namespace AgentService.Protocol.Gateway;

/// <summary>The <c>delivery</c> values of <c>POST /gateway/send</c>.</summary>
public static class DeliveryModes
{
    /// <summary>Pushed during the request: 200 <c>sent</c>, or 502 when the webhook fails (the default).</summary>
    public const string Direct = "direct";

    /// <summary>Store and forward: 202 <c>queued</c> at once, pushed with retries until delivered or expired.</summary>
    public const string Queued = "queued";
}
