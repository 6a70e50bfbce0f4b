namespace AgentService.Protocol.Runtime;

/// <summary>WebSocket close codes of the runtime connection (frame.json CloseCode, PROTOCOL.md section 12).</summary>
public static class RuntimeCloseCodes
{
#pragma warning disable CS1591 // Names follow frame.json's titles.
    public const int Normal = 1000;
    public const int GoingAway = 1001;
    public const int MessageTooBig = 1009;
    public const int InternalError = 1011;
    public const int ServiceRestart = 1012;
    public const int TryAgainLater = 1013;
    public const int ProtocolError = 4000;
    public const int Superseded = 4001;
    public const int LeaseExpired = 4002;
    public const int AttemptSuperseded = 4003;
    public const int Unauthenticated = 4401;
#pragma warning restore CS1591

    /// <summary>Close codes after which the runtime re-attaches with backoff.</summary>
    public static bool IsReconnectable(int code) => code is GoingAway or InternalError or ServiceRestart or TryAgainLater;

    /// <summary>Close codes that end the connection for good (4001, 4401) or the attempt (4002, 4003).</summary>
    public static bool IsFatal(int code) => code is Superseded or LeaseExpired or AttemptSuperseded or Unauthenticated;
}
