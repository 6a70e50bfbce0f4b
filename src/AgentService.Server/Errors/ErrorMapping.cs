namespace AgentService.Server.Errors;

/// <summary>The single place where error codes become HTTP status codes.</summary>
internal static class ErrorMapping
{
    public static int ToStatusCode(ErrorCode code) => code switch
    {
        ErrorCode.InvalidRequest => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.NotFound => StatusCodes.Status404NotFound,
        ErrorCode.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCode.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorCode.MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        ErrorCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ErrorCode FromStatusCode(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ErrorCode.Unauthenticated,
        StatusCodes.Status404NotFound => ErrorCode.NotFound,
        StatusCodes.Status405MethodNotAllowed => ErrorCode.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ErrorCode.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ErrorCode.UnsupportedMediaType,
        StatusCodes.Status503ServiceUnavailable => ErrorCode.Unavailable,
        >= 400 and < 500 => ErrorCode.InvalidRequest,
        _ => ErrorCode.Internal,
    };
}
