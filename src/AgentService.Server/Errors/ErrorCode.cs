namespace AgentService.Server.Errors;

/// <summary>What went wrong, independent of the API it is reported through. Mapped to HTTP once, in <see cref="ErrorMapping"/>.</summary>
internal enum ErrorCode
{
    /// <summary>The request is malformed: bad JSON, wrong types, values out of range, missing fields.</summary>
    InvalidRequest,

    /// <summary>A task, step, artifact, agent or route does not exist.</summary>
    NotFound,

    /// <summary>The request body is larger than the configured limit.</summary>
    PayloadTooLarge,

    /// <summary>The request body has a content type the endpoint does not take.</summary>
    UnsupportedMediaType,

    /// <summary>The HTTP method is not allowed on the route.</summary>
    MethodNotAllowed,

    /// <summary>The request conflicts with the state of its target (e.g. cancelling a finished run).</summary>
    Conflict,

    /// <summary>A byte range of a download that lies wholly beyond the end of the content.</summary>
    RangeNotSatisfiable,

    /// <summary>No valid credentials (a run token, an API key).</summary>
    Unauthenticated,

    /// <summary>Valid credentials that do not reach this operation or resource (role, agent grant, run scope).</summary>
    Forbidden,

    /// <summary>Too many requests for the caller's rate limit; the answer carries <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>The service cannot answer now (shutting down, storage unavailable).</summary>
    Unavailable,

    /// <summary>A call the service made on the client's behalf failed (a gateway webhook push answered non-2xx or timed out).</summary>
    UpstreamFailed,

    /// <summary>An unexpected failure; details are logged, never returned.</summary>
    Internal,
}
