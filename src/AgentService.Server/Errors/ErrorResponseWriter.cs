using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;

namespace AgentService.Server.Errors;

/// <summary>Writes an error in the shape of the API the request was addressed to.</summary>
internal static class ErrorResponseWriter
{
    private const string JsonContentType = "application/json; charset=utf-8";

    public static Task WriteAsync(HttpContext context, ErrorCode code, string message, IReadOnlyList<FieldError>? fieldErrors = null, string? messageId = null)
    {
        var shape = ErrorMapping.ShapeFor(context);
        var response = context.Response;
        response.StatusCode = ErrorMapping.ToStatusCode(code, shape);
        response.Headers.CacheControl = "no-store";
        if (code == ErrorCode.Unauthenticated)
        {
            // RFC 9110 §11.6.1: a 401 names the scheme to authenticate with (API keys, run and worker tokens: Bearer).
            response.Headers.WWWAuthenticate = "Bearer";
        }

        // Every API of the service answers errors as JSON: the Gateway API as {"detail": ...} (its reference's shape; the
        // field is named in the text), everything else in the Agent Protocol shape {"message": ..., "errors": [...]}.
        if (shape == ErrorShape.Gateway)
        {
            var detail = new GatewayErrorResponse { Detail = message, MessageId = messageId };
            return response.WriteAsJsonAsync(detail, ProtocolJsonContext.Wire.GatewayErrorResponse, contentType: JsonContentType, context.RequestAborted);
        }

        var body = new ErrorResponse { Message = message, Errors = fieldErrors };
        return response.WriteAsJsonAsync(body, ProtocolJsonContext.Wire.ErrorResponse, contentType: JsonContentType, context.RequestAborted);
    }
}
