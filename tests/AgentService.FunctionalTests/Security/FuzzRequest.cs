namespace AgentService.FunctionalTests.Security;

/// <summary>One malformed HTTP request.</summary>
internal sealed record FuzzRequest(string Kind, HttpMethod Method, string Path, byte[]? Body = null, string? ContentType = null, bool Chunked = false)
{
    public List<(string Name, string Value)> Headers { get; } = [];
}
