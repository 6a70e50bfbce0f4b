using System.Text.Json;
using AgentService.Protocol.Runtime;

namespace AgentService.Runtime;

/// <summary>
/// A JSON-RPC error of the runtime connection (PROTOCOL.md section 12), from the service or raised locally with the
/// same meaning (a call that needs a capability that is not effective fails locally with 1010).
/// </summary>
public sealed class RuntimeProtocolException : Exception
{
    /// <summary>Creates an error with an explicit code and reason.</summary>
    public RuntimeProtocolException(int code, string reason, string message, bool retryable = false, string? fatal = null,
        TimeSpan? retryAfter = null, JsonElement? details = null, bool isLocal = false)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Retryable = retryable;
        Fatal = fatal;
        RetryAfter = retryAfter;
        Details = details;
        IsLocal = isLocal;
    }

    /// <summary>Creates an <c>internal_error</c>.</summary>
    public RuntimeProtocolException()
        : this(RuntimeErrorCodes.InternalError, "internal_error", "Internal error.")
    {
    }

    /// <summary>Creates an <c>internal_error</c> with a message.</summary>
    public RuntimeProtocolException(string message)
        : this(RuntimeErrorCodes.InternalError, "internal_error", message)
    {
    }

    /// <summary>Creates an <c>internal_error</c> with a message and cause.</summary>
    public RuntimeProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = RuntimeErrorCodes.InternalError;
        Reason = "internal_error";
    }

    /// <summary>The JSON-RPC error code (see <see cref="RuntimeErrorCodes"/>).</summary>
    public int Code { get; }

    /// <summary>The code's name, e.g. <c>sequence_gap</c>.</summary>
    public string Reason { get; }

    /// <summary>Whether the same request may succeed later.</summary>
    public bool Retryable { get; }

    /// <summary><c>connection</c>, <c>attempt</c> or <c>run</c> when the error ends that scope; otherwise null.</summary>
    public string? Fatal { get; }

    /// <summary>How long to back off before retrying, when the service said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Code-specific details (<c>expectedSeq</c>, <c>requiredCapabilities</c>, ...).</summary>
    public JsonElement? Details { get; }

    /// <summary>True when the SDK raised the error without asking the service.</summary>
    public bool IsLocal { get; }

    /// <summary>Maps a JSON-RPC error object; the registry fills in what the service left out.</summary>
    public static RuntimeProtocolException FromError(JsonRpcError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var data = error.Data;
        return new RuntimeProtocolException(
            error.Code,
            data?.Reason ?? RuntimeErrorCodes.ReasonOf(error.Code) ?? "unknown",
            string.IsNullOrEmpty(error.Message) ? $"Error {error.Code}." : error.Message,
            data?.Retryable ?? RuntimeErrorCodes.IsRetryable(error.Code),
            data?.Fatal ?? RuntimeErrorCodes.FatalScopeOf(error.Code),
            data?.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            data?.Details);
    }

    /// <summary>The local <c>capability_not_negotiated</c> error for a capability that is not effective.</summary>
    public static RuntimeProtocolException CapabilityNotNegotiated(string surface, string name)
    {
        var details = JsonSerializer.SerializeToElement(
            new Dictionary<string, JsonElement>
            {
                ["requiredCapabilities"] = JsonSerializer.SerializeToElement(
                    new[] { new Dictionary<string, string> { ["surface"] = surface, ["name"] = name } },
                    RuntimeSdkJsonContext.Default.DictionaryStringStringArray),
            },
            RuntimeSdkJsonContext.Default.DictionaryStringJsonElement);
        return new RuntimeProtocolException(RuntimeErrorCodes.CapabilityNotNegotiated, "capability_not_negotiated",
            $"{name} is not negotiated for this connection (declare it, and the agent's policy must grant it).",
            details: details, isLocal: true);
    }

    /// <summary>The integer <c>details.expectedSeq</c> of a <c>sequence_gap</c>, if present.</summary>
    public int? ExpectedSeq =>
        Details is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("expectedSeq", out var e) && e.TryGetInt32(out var v) ? v : null;

    /// <summary>The integer <c>details.storedEpoch</c> of an <c>epoch_fenced</c>, if present.</summary>
    public long? StoredEpoch =>
        Details is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("storedEpoch", out var e) && e.TryGetInt64(out var v) ? v : null;
}
