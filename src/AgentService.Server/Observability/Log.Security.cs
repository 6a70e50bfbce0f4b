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

    [LoggerMessage(2200, LogLevel.Error, "An audit entry could not be written")]
    public static partial void AuditWriteFailed(ILogger logger, Exception exception);

    /// <summary>Logs the failure of an audit write nobody awaits (auditing never holds up the request it records).</summary>
    public static void AuditWriteFailedIfFaulted(ILogger logger, Task write) =>
        _ = write.ContinueWith(
            (task, state) => AuditWriteFailed((ILogger)state!, task.Exception!.GetBaseException()),
            logger,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
