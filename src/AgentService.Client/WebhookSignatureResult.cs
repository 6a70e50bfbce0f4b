namespace AgentService.Client;

/// <summary>The outcome of checking a webhook push's signature.</summary>
public enum WebhookSignatureResult
{
    /// <summary>Signed with the secret, within the tolerance.</summary>
    Valid,

    /// <summary>The timestamp or the signature header is missing.</summary>
    MissingHeader,

    /// <summary>The timestamp is not a Unix time in whole seconds.</summary>
    MalformedTimestamp,

    /// <summary>The timestamp is further from now than the tolerance (a replay, or clocks far apart).</summary>
    OutsideTolerance,

    /// <summary>No <c>v1=</c> signature in the header matches the body and timestamp.</summary>
    Mismatch,
}
