using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Json;

namespace AgentService.Client;

/// <summary>
/// Typed client of the Agent Protocol v1 API of an AgentService (or any Agent Protocol server). Talks to the default
/// agent (<c>/ap/v1/agent</c>) or, with an agent id, to <c>/agents/{id}/ap/v1/agent</c>.
/// </summary>
public sealed class AgentProtocolClient
{
    private readonly HttpClient _http;
    private readonly string _prefix;

    /// <param name="http">An HttpClient whose <see cref="HttpClient.BaseAddress"/> is the service root, e.g. <c>http://127.0.0.1:8000/</c>.</param>
    /// <param name="agentId">The agent to address; <c>null</c> for the default agent.</param>
    public AgentProtocolClient(HttpClient http, string? agentId = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress (the service root URL).", nameof(http));
        }

        _http = http;
        _prefix = agentId is null ? "ap/v1/agent" : $"agents/{Uri.EscapeDataString(agentId)}/ap/v1/agent";
    }

    public Task<AgentTask> CreateTaskAsync(string? input, JsonElement? additionalInput = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, "tasks", Body(input, additionalInput), ProtocolJsonContext.Wire.AgentTask, null, cancellationToken);

    public Task<TaskListResponse> ListTasksAsync(int? currentPage = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, "tasks" + Paging(currentPage, pageSize), null, ProtocolJsonContext.Wire.TaskListResponse, null, cancellationToken);

    public Task<AgentTask> GetTaskAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, $"tasks/{Escape(taskId)}", null, ProtocolJsonContext.Wire.AgentTask, null, cancellationToken);

    /// <summary>Runs a step. The service answers when the step completes or its wait bound passes (then the step is
    /// <c>running</c>); <paramref name="waitSeconds"/> asks for another bound (<c>Prefer: wait=N</c>).</summary>
    public Task<TaskStep> ExecuteStepAsync(string taskId, string? input, JsonElement? additionalInput = null, double? waitSeconds = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Post, $"tasks/{Escape(taskId)}/steps", Body(input, additionalInput), ProtocolJsonContext.Wire.TaskStep,
            waitSeconds is { } wait ? request => request.Headers.Add("Prefer", "wait=" + wait.ToString(CultureInfo.InvariantCulture)) : null,
            cancellationToken);

    public Task<StepListResponse> ListStepsAsync(string taskId, int? currentPage = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, $"tasks/{Escape(taskId)}/steps" + Paging(currentPage, pageSize), null, ProtocolJsonContext.Wire.StepListResponse, null, cancellationToken);

    public Task<TaskStep> GetStepAsync(string taskId, string stepId, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, $"tasks/{Escape(taskId)}/steps/{Escape(stepId)}", null, ProtocolJsonContext.Wire.TaskStep, null, cancellationToken);

    public Task<ArtifactListResponse> ListArtifactsAsync(string taskId, int? currentPage = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync(HttpMethod.Get, $"tasks/{Escape(taskId)}/artifacts" + Paging(currentPage, pageSize), null, ProtocolJsonContext.Wire.ArtifactListResponse, null, cancellationToken);

    /// <summary>Uploads <paramref name="content"/> (streamed) as an artifact of the task.</summary>
    public async Task<Artifact> UploadArtifactAsync(string taskId, Stream content, string fileName, string? relativePath = null, CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (relativePath is not null)
        {
            form.Add(new StringContent(relativePath), "relative_path");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_prefix}/tasks/{Escape(taskId)}/artifacts") { Content = form };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, ProtocolJsonContext.Wire.Artifact, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads an artifact's bytes into <paramref name="destination"/> (streamed); returns the file name the service gave.</summary>
    public async Task<string?> DownloadArtifactAsync(string taskId, string artifactId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var response = await _http.GetAsync($"{_prefix}/tasks/{Escape(taskId)}/artifacts/{Escape(artifactId)}", HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        var disposition = response.Content.Headers.ContentDisposition;
        return disposition?.FileNameStar ?? disposition?.FileName?.Trim('"');
    }

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, TaskRequestBody? body, JsonTypeInfo<T> responseType, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, $"{_prefix}/{path}");
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, ProtocolJsonContext.Wire.TaskRequestBody);
        }

        configure?.Invoke(request);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, responseType, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
            ?? throw new AgentServiceClientException(response.StatusCode, "The service answered with an empty body.", null);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        ErrorResponse? error = null;
        try
        {
            error = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Wire.ErrorResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Not our error shape (a proxy's page, another server): report the status alone.
        }

        var message = error?.Message ?? $"The service answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        throw new AgentServiceClientException(response.StatusCode, message, error?.Errors);
    }

    private static TaskRequestBody Body(string? input, JsonElement? additionalInput) => new()
    {
        Input = input,
        AdditionalInput = additionalInput is { } extra ? RawJson.From(extra) : null,
    };

    private static string Paging(int? currentPage, int? pageSize)
    {
        var query = new List<string>(2);
        if (currentPage is { } page)
        {
            query.Add("current_page=" + page.ToString(CultureInfo.InvariantCulture));
        }

        if (pageSize is { } size)
        {
            query.Add("page_size=" + size.ToString(CultureInfo.InvariantCulture));
        }

        return query.Count == 0 ? "" : "?" + string.Join('&', query);
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);
}
