using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentService.Client;

/// <summary>Client of the admin APIs (an admin key): API keys (<c>/v1/keys</c>), the audit log (<c>/v1/audit</c>),
/// and agents' secrets and config (<c>/v1/agents/{agentId}/secrets</c>, <c>/config</c>).</summary>
public sealed class AdminClient
{
    private readonly HttpClient _http;

    /// <param name="http">An HttpClient whose BaseAddress is the service root and that sends an admin key
    /// (<c>Authorization: Bearer</c>, see <see cref="ApiKeyHandler"/>).</param>
    public AdminClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http.BaseAddress is not null ? http : throw new ArgumentException("The HttpClient needs a BaseAddress (the service root URL).", nameof(http));
    }

    /// <summary>Creates an API key; the answer's <c>key</c> is shown this once.</summary>
    public Task<JsonElement> CreateKeyAsync(string role, IEnumerable<string>? agents = null, string? name = null, DateTimeOffset? expiresAt = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/keys", Body(w =>
        {
            w.WriteString("role", role);
            w.WriteStartArray("agents");
            foreach (var agent in agents ?? [])
            {
                w.WriteStringValue(agent);
            }

            w.WriteEndArray();
            if (name is not null)
            {
                w.WriteString("name", name);
            }

            if (expiresAt is { } expires)
            {
                w.WriteString("expiresAt", expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            }
        }), cancellationToken);

    public Task<JsonElement> ListKeysAsync(int page = 1, int pageSize = 100, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"v1/keys?current_page={page}&page_size={pageSize}", null, cancellationToken);

    public Task<JsonElement> RevokeKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"v1/keys/{Uri.EscapeDataString(keyId)}", null, cancellationToken);

    /// <summary>Audit entries, oldest first, filtered by any of actor, action and time range.</summary>
    public Task<JsonElement> QueryAuditAsync(string? actor = null, string? action = null, DateTimeOffset? since = null, DateTimeOffset? until = null,
        int page = 1, int pageSize = 100, CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder($"v1/audit?current_page={page}&page_size={pageSize}");
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        Add("actor", actor);
        Add("action", action);
        Add("since", since?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        Add("until", until?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        return SendAsync(HttpMethod.Get, query.ToString(), null, cancellationToken);
    }

    /// <summary>The names of an agent's secrets (values are never returned).</summary>
    public Task<JsonElement> ListSecretsAsync(string agentId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"v1/agents/{Uri.EscapeDataString(agentId)}/secrets", null, cancellationToken);

    public Task<JsonElement> SetSecretAsync(string agentId, string name, string value, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"v1/agents/{Uri.EscapeDataString(agentId)}/secrets/{Uri.EscapeDataString(name)}", Body(w => w.WriteString("value", value)), cancellationToken);

    public Task<JsonElement> DeleteSecretAsync(string agentId, string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"v1/agents/{Uri.EscapeDataString(agentId)}/secrets/{Uri.EscapeDataString(name)}", null, cancellationToken);

    public Task<JsonElement> GetConfigAsync(string agentId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"v1/agents/{Uri.EscapeDataString(agentId)}/config", null, cancellationToken);

    /// <summary>Replaces the agent's config with <paramref name="configJson"/> (a JSON object).</summary>
    public Task<JsonElement> SetConfigAsync(string agentId, string configJson, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, $"v1/agents/{Uri.EscapeDataString(agentId)}/config",
            new StringContent(configJson, Encoding.UTF8, "application/json"), cancellationToken);

    private static StringContent Body(Action<Utf8JsonWriter> members)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return new StringContent(Encoding.UTF8.GetString(stream.ToArray()), Encoding.UTF8, "application/json");
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            if (text.Length == 0)
            {
                return default;
            }

            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }

        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            message = document.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
        }
        catch (JsonException)
        {
            // Not JSON: reported with the status below.
        }

        throw new AgentServiceClientException(response.StatusCode, message ?? $"The service answered {(int)response.StatusCode} {response.ReasonPhrase}.", null);
    }
}

/// <summary>A message handler that sends an API key as <c>Authorization: Bearer</c> on every request.</summary>
public sealed class ApiKeyHandler : DelegatingHandler
{
    private readonly string _key;

    public ApiKeyHandler(string key, HttpMessageHandler? inner = null)
        : base(inner ?? new SocketsHttpHandler())
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        _key = key;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization ??= new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _key);
        return base.SendAsync(request, cancellationToken);
    }
}
