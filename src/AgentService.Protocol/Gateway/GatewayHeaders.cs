namespace AgentService.Protocol.Gateway;

/// <summary>The headers of a webhook push.</summary>
public static class GatewayHeaders
{
    /// <summary><c>v1=&lt;hex HMAC-SHA256&gt;</c> of <c>"{timestamp}.{body}"</c> keyed with the agent's webhook secret.</summary>
    public const string Signature = "X-AgentService-Signature";

    /// <summary>When the push was signed: Unix time in whole seconds.</summary>
    public const string Timestamp = "X-AgentService-Timestamp";

    /// <summary>The message id: the same on every retry of a message, so receivers can drop repeats.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>The version prefix of the signature scheme.</summary>
    public const string SignatureVersion = "v1";
}
