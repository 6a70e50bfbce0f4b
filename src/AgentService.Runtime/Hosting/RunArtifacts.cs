using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime.Values;

namespace AgentService.Runtime.Hosting;

/// <summary>A run's artifact bytes over the service's HTTP API with the run token (<c>POST/GET /v1/runs/{runId}/artifacts</c>).</summary>
internal sealed class RunArtifacts(Uri serviceUrl, string runToken)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    private readonly Uri _root = serviceUrl.AbsoluteUri.EndsWith('/') ? serviceUrl : new Uri(serviceUrl.AbsoluteUri + "/");

    public async Task<ArtifactRef> UploadAsync(string runId, byte[] content, string fileName, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_root, $"v1/runs/{Uri.EscapeDataString(runId)}/artifacts")) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runToken);
        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(RuntimeJsonContext.Wire.ArtifactRef, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The service answered an empty artifact reference.");
    }

    public async Task<byte[]> DownloadAsync(string runId, string artifactId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_root, $"v1/runs/{Uri.EscapeDataString(runId)}/artifacts/{Uri.EscapeDataString(artifactId)}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runToken);
        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }
}
