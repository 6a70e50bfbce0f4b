namespace AgentService.Server.Errors;

/// <summary>The single place where error codes become HTTP status codes.</summary>
internal static class ErrorMapping
{
    public const string GatewayPathPrefix = "/gateway";

    public static ErrorShape ShapeFor(HttpContext context) =>
        context.Request.Path.StartsWithSegments(GatewayPathPrefix, StringComparison.OrdinalIgnoreCase) ? ErrorShape.Gateway : ErrorShape.AgentProtocol;

    public static int ToStatusCode(ErrorCode code, ErrorShape shape = ErrorShape.AgentProtocol) => code switch
    {
        // The Agent Protocol answers malformed input with 422; the Gateway API (like the reference) with 400.
        ErrorCode.InvalidRequest => shape == ErrorShape.Gateway ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity,
        ErrorCode.NotFound => StatusCodes.Status404NotFound,
        ErrorCode.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCode.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorCode.MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        ErrorCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCode.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCode.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCode.UpstreamFailed => StatusCodes.Status502BadGateway,
        ErrorCode.Conflict => StatusCodes.Status409Conflict,
        ErrorCode.RangeNotSatisfiable => StatusCodes.Status416RangeNotSatisfiable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ErrorCode FromStatusCode(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ErrorCode.Unauthenticated,
        StatusCodes.Status403Forbidden => ErrorCode.Forbidden,
        StatusCodes.Status429TooManyRequests => ErrorCode.RateLimited,
        StatusCodes.Status404NotFound => ErrorCode.NotFound,
        StatusCodes.Status405MethodNotAllowed => ErrorCode.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ErrorCode.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ErrorCode.UnsupportedMediaType,
        StatusCodes.Status503ServiceUnavailable => ErrorCode.Unavailable,
        StatusCodes.Status502BadGateway => ErrorCode.UpstreamFailed,
        StatusCodes.Status409Conflict => ErrorCode.Conflict,
        StatusCodes.Status416RangeNotSatisfiable => ErrorCode.RangeNotSatisfiable,
        >= 400 and < 500 => ErrorCode.InvalidRequest,
        _ => ErrorCode.Internal,
    };
}
