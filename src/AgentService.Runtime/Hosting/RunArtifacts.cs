using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime.Values;

namespace AgentService.Runtime.Hosting;

/// <summary>A run's artifact bytes over the service's HTTP API with the run token (<c>POST/GET /v1/runs/{runId}/artifacts</c>),
/// sent to the node the connection uses; a node that cannot be reached is skipped for the next one (the token works on
/// every node).</summary>
internal sealed class RunArtifacts(ServiceEndpoints endpoints, string runToken)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    public async Task<ArtifactRef> UploadAsync(string runId, ReadOnlyMemory<byte> content, string fileName, CancellationToken cancellationToken)
    {
        using var response = await endpoints.SendAsync(Http, url =>
        {
            var form = new MultipartFormDataContent();
            var file = new ReadOnlyMemoryContent(content);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "file", fileName);
            return Request(HttpMethod.Post, url, $"v1/runs/{Uri.EscapeDataString(runId)}/artifacts", form);
        }, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(RuntimeJsonContext.Wire.ArtifactRef, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The service answered an empty artifact reference.");
    }

    public async Task<byte[]> DownloadAsync(string runId, string artifactId, CancellationToken cancellationToken)
    {
        using var response = await endpoints.SendAsync(Http,
            url => Request(HttpMethod.Get, url, $"v1/runs/{Uri.EscapeDataString(runId)}/artifacts/{Uri.EscapeDataString(artifactId)}", null),
            cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage Request(HttpMethod method, Uri serviceUrl, string path, HttpContent? content)
    {
        var root = serviceUrl.AbsoluteUri.EndsWith('/') ? serviceUrl : new Uri(serviceUrl.AbsoluteUri + "/");
        var request = new HttpRequestMessage(method, new Uri(root, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runToken);
        return request;
    }
}
