using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Json;

namespace AgentService.Server.Errors;

/// <summary>Writes an error in the shape of the API the request was addressed to.</summary>
internal static class ErrorResponseWriter
{
    public static Task WriteAsync(HttpContext context, ErrorCode code, string message, IReadOnlyList<FieldError>? fieldErrors = null)
    {
        var response = context.Response;
        response.StatusCode = ErrorMapping.ToStatusCode(code);
        response.Headers.CacheControl = "no-store";

        // Every API of the service answers errors as JSON. The Agent Protocol shape ({"message": ...}) is the
        // default; APIs with a shape of their own add their branch here.
        var body = new ErrorResponse { Message = message, Errors = fieldErrors };
        return response.WriteAsJsonAsync(body, ProtocolJsonContext.Wire.ErrorResponse, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }
}
