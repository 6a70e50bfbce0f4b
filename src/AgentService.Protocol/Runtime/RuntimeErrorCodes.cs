namespace AgentService.Protocol.Runtime;

/// <summary>The JSON-RPC error codes of the runtime connection (frame.json ErrorCode, PROTOCOL.md section 12).</summary>
public static class RuntimeErrorCodes
{
#pragma warning disable CS1591 // The reason names below document each code.
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int NotAttached = 1000;
    public const int UnsupportedProtocolVersion = 1001;
    public const int EpochFenced = 1002;
    public const int ConnectionSuperseded = 1003;
    public const int AttemptSuperseded = 1004;
    public const int LeaseExpired = 1005;
    public const int InstanceMismatch = 1006;
    public const int CapabilityNotNegotiated = 1010;
    public const int SequenceGap = 1020;
    public const int UnknownRun = 1021;
    public const int RunFinished = 1022;
    public const int PayloadTooLarge = 1030;
    public const int Forbidden = 1040;
    public const int NotFound = 1041;
    public const int RateLimited = 1050;
    public const int Unavailable = 1051;
#pragma warning restore CS1591

    /// <summary>The registered reason name of a code (<c>data.reason</c>), or null for an unregistered code.</summary>
    public static string? ReasonOf(int code) => code switch
    {
        ParseError => "parse_error",
        InvalidRequest => "invalid_request",
        MethodNotFound => "method_not_found",
        InvalidParams => "invalid_params",
        InternalError => "internal_error",
        NotAttached => "not_attached",
        UnsupportedProtocolVersion => "unsupported_protocol_version",
        EpochFenced => "epoch_fenced",
        ConnectionSuperseded => "connection_superseded",
        AttemptSuperseded => "attempt_superseded",
        LeaseExpired => "lease_expired",
        InstanceMismatch => "instance_mismatch",
        CapabilityNotNegotiated => "capability_not_negotiated",
        SequenceGap => "sequence_gap",
        UnknownRun => "unknown_run",
        RunFinished => "run_finished",
        PayloadTooLarge => "payload_too_large",
        Forbidden => "forbidden",
        NotFound => "not_found",
        RateLimited => "rate_limited",
        Unavailable => "unavailable",
        _ => null,
    };

    /// <summary>Whether the registry marks the code retryable.</summary>
    public static bool IsRetryable(int code) => code is InternalError or SequenceGap or RateLimited or Unavailable;

    /// <summary>The scope the registry says the code ends (<c>connection</c>, <c>attempt</c>, <c>run</c>), or null.</summary>
    public static string? FatalScopeOf(int code) => code switch
    {
        UnsupportedProtocolVersion or EpochFenced or ConnectionSuperseded or InstanceMismatch => FatalScopes.Connection,
        AttemptSuperseded or LeaseExpired => FatalScopes.Attempt,
        RunFinished => FatalScopes.Run,
        _ => null,
    };
}
