using AgentService.Protocol.Runtime;
using System.Text.Json;

namespace AgentService.Server.Runtime;

/// <summary>A command refused with a protocol error code (PROTOCOL.md §12), optionally closing the socket after the reply.</summary>
internal sealed class RuntimeProtocolException : Exception
{
    public RuntimeProtocolException(int code, string message, Action<Utf8JsonWriter>? details = null, int? closeCode = null)
        : base(message)
    {
        Code = code;
        Details = details;
        CloseCode = closeCode;
    }

    public RuntimeProtocolException()
        : this(RuntimeErrorCodes.InternalError, "internal error")
    {
    }

    public RuntimeProtocolException(string message)
        : this(RuntimeErrorCodes.InternalError, message)
    {
    }

    public RuntimeProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = RuntimeErrorCodes.InternalError;
    }

    public int Code { get; }

    public Action<Utf8JsonWriter>? Details { get; }

    public int? CloseCode { get; }

    /// <summary>An <c>invalid_params</c> error naming the JSON pointer of the problem.</summary>
    public static RuntimeProtocolException InvalidParams(string pointer, string message) =>
        new(RuntimeErrorCodes.InvalidParams, $"{pointer}: {message}", RuntimeSession.Pointer(pointer, message));

    /// <summary>A <c>capability_not_negotiated</c> error whose <c>details.requiredCapabilities</c> lists the core
    /// capabilities as <c>{surface, name}</c> (wire/frame.json, code 1010).</summary>
    public static RuntimeProtocolException CapabilityNotNegotiated(string message, IEnumerable<string> coreCapabilities, int? closeCode = null) =>
        new(RuntimeErrorCodes.CapabilityNotNegotiated, message, w =>
        {
            w.WriteStartArray("requiredCapabilities");
            foreach (var name in coreCapabilities)
            {
                w.WriteStartObject();
                w.WriteString("surface", CapabilitySurfaces.Core);
                w.WriteString("name", name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, closeCode);
}
