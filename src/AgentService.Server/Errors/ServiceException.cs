using AgentService.Protocol.AgentProtocol;

namespace AgentService.Server.Errors;

/// <summary>The one exception type services throw for errors a client should see. The edge maps it to each API's shape.</summary>
internal sealed class ServiceException : Exception
{
    public ServiceException(ErrorCode code, string message, IReadOnlyList<FieldError>? fieldErrors = null)
        : base(message)
    {
        Code = code;
        FieldErrors = fieldErrors;
    }

    public ServiceException()
        : this(ErrorCode.Internal, "Internal server error.")
    {
    }

    public ServiceException(string message)
        : this(ErrorCode.Internal, message)
    {
    }

    public ServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ErrorCode.Internal;
    }

    public ErrorCode Code { get; }

    public IReadOnlyList<FieldError>? FieldErrors { get; }

    /// <summary>The gateway message the error is about: a 502 for a failed push names the stored message.</summary>
    public string? MessageId { get; init; }

    public static ServiceException NotFound(string message) => new(ErrorCode.NotFound, message);

    public static ServiceException Invalid(string field, string message) =>
        new(ErrorCode.InvalidRequest, $"Invalid '{field}': {message}", [new FieldError { Field = field, Message = message }]);

    public static ServiceException TooLarge(long limitBytes) =>
        new(ErrorCode.PayloadTooLarge, $"The request body is larger than the limit of {limitBytes} bytes.");
}
