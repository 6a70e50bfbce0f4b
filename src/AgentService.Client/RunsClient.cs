using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace AgentService.Client;

/// <summary>Client of the runs API (<c>/v1/runs</c>): a run's state, its live event stream, cancellation.</summary>
public sealed class RunsClient
{
    private readonly HttpClient _http;

    /// <param name="http">An HttpClient whose BaseAddress is the service root (use an infinite Timeout to follow streams).</param>
    public RunsClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http.BaseAddress is not null ? http : throw new ArgumentException("The HttpClient needs a BaseAddress (the service root URL).", nameof(http));
    }

    /// <summary>The run as the service shows it (status, attempts, connection, capabilities).</summary>
    public async Task<JsonElement> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"v1/runs/{Uri.EscapeDataString(runId)}", cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the run to stop: the runtime gets a cancel input and finishes the run as cancelled. So do its
    /// sub-runs, unless <paramref name="cascade"/> is false: then only those living in the run's runtime (local ones)
    /// are cancelled with it, and service-hosted sub-runs go on.</summary>
    public async Task<JsonElement> CancelAsync(string runId, bool immediate = false, string? reason = null, bool cascade = true, CancellationToken cancellationToken = default)
    {
        var body = new RunCancelRequest(immediate ? "immediate" : "graceful", reason, cascade);
        using var content = JsonContent.Create(body, ClientJsonContext.Default.RunCancelRequest);
        using var response = await _http.PostAsync($"v1/runs/{Uri.EscapeDataString(runId)}/cancel", content, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run's interactions (pending and resolved), in the order they were requested.</summary>
    public Task<JsonElement> ListInteractionsAsync(string runId, long afterPosition = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        GetPathAsync($"v1/runs/{Uri.EscapeDataString(runId)}/interactions?after={afterPosition}&limit={limit}", cancellationToken);

    /// <summary>The agent's runs, newest first, optionally of one status (<c>running</c>, <c>waiting</c>, ...): a page of
    /// <paramref name="limit"/> after the run <paramref name="afterRunId"/> (the answer's <c>after</c>; <c>more</c> says
    /// whether another page follows).</summary>
    public Task<JsonElement> ListByAgentAsync(string agentId, string? status = null, string? afterRunId = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        var query = $"limit={limit}";
        if (status is not null)
        {
            query += $"&status={Uri.EscapeDataString(status)}";
        }

        if (afterRunId is not null)
        {
            query += $"&after={Uri.EscapeDataString(afterRunId)}";
        }

        return GetPathAsync($"v1/agents/{Uri.EscapeDataString(agentId)}/runs?{query}", cancellationToken);
    }

    /// <summary>The run's tool calls with their lifecycle, in the order they were first seen.</summary>
    public Task<JsonElement> ListToolCallsAsync(string runId, long afterPosition = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        GetPathAsync($"v1/runs/{Uri.EscapeDataString(runId)}/tool-calls?after={afterPosition}&limit={limit}", cancellationToken);

    /// <summary>The run's projection and the log position it reflects (<c>watermark</c>): follow with
    /// <see cref="FollowAsync"/> from that position to miss nothing.</summary>
    public Task<JsonElement> GetSnapshotAsync(string runId, CancellationToken cancellationToken = default) =>
        GetPathAsync($"v1/runs/{Uri.EscapeDataString(runId)}/snapshot", cancellationToken);

    /// <summary>Answers an interaction: <paramref name="action"/> is <c>approve</c>, <c>deny</c> or <c>answer</c> (with
    /// <paramref name="response"/>, validated by the service against the interaction's schema or choices).</summary>
    public async Task<JsonElement> RespondAsync(string runId, string interactionId, string action, JsonElement? response = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("action", action);
            if (response is { } value)
            {
                writer.WritePropertyName("response");
                value.WriteTo(writer);
            }

            if (reason is not null)
            {
                writer.WriteString("reason", reason);
            }

            writer.WriteEndObject();
        }

        using var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var answer = await _http.PostAsync($"v1/runs/{Uri.EscapeDataString(runId)}/interactions/{Uri.EscapeDataString(interactionId)}", content, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(answer, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonElement> GetPathAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run's events as they are stored, from after <paramref name="afterPosition"/>; ends when the run is
    /// finished and every event was read.</summary>
    public async IAsyncEnumerable<RunEvent> FollowAsync(string runId, long afterPosition = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/runs/{Uri.EscapeDataString(runId)}/stream");
        if (afterPosition > 0)
        {
            request.Headers.Add("Last-Event-ID", afterPosition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            await ReadAsync(response, cancellationToken).ConfigureAwait(false);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        long position = 0;
        string? type = null;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                position = long.Parse(line.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var document = JsonDocument.Parse(line[6..]);
                yield return new RunEvent(position, type ?? "", document.RootElement.Clone());
            }
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonElement body = default;
        try
        {
            using var document = JsonDocument.Parse(text);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not JSON: reported with the status below.
        }

        if (response.IsSuccessStatusCode && body.ValueKind == JsonValueKind.Object)
        {
            return body;
        }

        var message = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("message", out var m) ? m.GetString()! : $"The service answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        throw new AgentServiceClientException(response.StatusCode, message, null);
    }
}

/// <summary>One event of a run's stream: its log position, type and the CloudEvent.</summary>
public sealed record RunEvent(long Position, string Type, JsonElement Event);
