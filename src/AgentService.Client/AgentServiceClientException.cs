using System.Net;
using AgentService.Protocol.AgentProtocol;

namespace AgentService.Client;

/// <summary>An error answer of the service, with its status code and message.</summary>
public sealed class AgentServiceClientException : Exception
{
    public AgentServiceClientException()
    {
    }

    public AgentServiceClientException(string message)
        : base(message)
    {
    }

    public AgentServiceClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AgentServiceClientException(HttpStatusCode statusCode, string message, IReadOnlyList<FieldError>? fieldErrors)
        : base(message)
    {
        StatusCode = statusCode;
        FieldErrors = fieldErrors ?? [];
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The invalid fields the service named, if any.</summary>
    public IReadOnlyList<FieldError> FieldErrors { get; } = [];
}
