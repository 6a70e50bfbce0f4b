using AgentService.Server.Errors;

namespace AgentService.Server.AgentProtocol;

/// <summary>The service reads request bodies as they are sent: it decompresses none.</summary>
internal static class RequestEncoding
{
    /// <summary>Refuses (415) a body with a <c>Content-Encoding</c> other than <c>identity</c>: a compressed body read as
    /// it is would be misread, or stored as bytes the client did not mean.</summary>
    public static void EnsureIdentity(HttpRequest request, string what)
    {
        if (request.Headers.ContentEncoding is { Count: > 0 } encoding && !encoding.All(e => "identity".Equals(e?.Trim(), StringComparison.OrdinalIgnoreCase)))
        {
            throw new ServiceException(ErrorCode.UnsupportedMediaType, $"The request body must not be encoded (Content-Encoding '{encoding}'): send the {what} as it is.");
        }
    }
}
