namespace AgentService.Server.Gateway;

/// <summary>Thrown inside the push client's connect step when a webhook's host resolves to an address the URL policy
/// refuses; the push fails with <see cref="Exception.Message"/> as its reason.</summary>
internal sealed class WebhookRefusedException : Exception
{
    public WebhookRefusedException()
    {
    }

    public WebhookRefusedException(string message)
        : base(message)
    {
    }

    public WebhookRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
