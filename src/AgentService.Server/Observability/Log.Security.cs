namespace AgentService.Server.Observability;

/// <summary>Messages of the security layer (ids 1200-1249, 2200-2249). Never log a key, token or secret value.</summary>
internal static partial class Log
{
    [LoggerMessage(1200, LogLevel.Information, "Authentication mode: {Mode}")]
    public static partial void AuthMode(ILogger logger, string mode);

    [LoggerMessage(1201, LogLevel.Warning, "Authentication is off (mode none) on a non-loopback address, as forced by AllowNoneOnNetwork: anyone who reaches {Urls} is an admin")]
    public static partial void NoAuthOnNetwork(ILogger logger, string urls);

    [LoggerMessage(1202, LogLevel.Warning, "No API key existed: created admin key {KeyId} and wrote it to {Path} (owner-only). Use it to create your own keys, then revoke it")]
    public static partial void AdminKeyCreated(ILogger logger, string keyId, string path);

    [LoggerMessage(1203, LogLevel.Information, "Denied {Method} {Path} for {Actor}: {Status}")]
    public static partial void Denied(ILogger logger, string method, string path, string actor, int status);

    [LoggerMessage(2200, LogLevel.Error, "{Count} audit entries could not be written")]
    public static partial void AuditWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(2201, LogLevel.Warning, "The store is unavailable ({Reason}); holding {Count} audit entries and writing them again every {Delay}")]
    public static partial void AuditHeldDuringOutage(ILogger logger, int count, TimeSpan delay, string reason);

    [LoggerMessage(2202, LogLevel.Information, "The store is back; {Count} held audit entries written")]
    public static partial void AuditWrittenAfterOutage(ILogger logger, int count);
}
