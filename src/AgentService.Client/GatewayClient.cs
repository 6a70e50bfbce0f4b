using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;

namespace AgentService.Client;

/// <summary>Typed client of the Gateway API (<c>/gateway/...</c>) of an AgentService: the agent registry, heartbeats and
/// agent-to-agent messages. Error answers throw <see cref="AgentServiceClientException"/> with the service's <c>detail</c>.</summary>
public sealed class GatewayClient
{
    private readonly HttpClient _http;

    /// <param name="http">An HttpClient whose <see cref="HttpClient.BaseAddress"/> is the service root, e.g. <c>http://127.0.0.1:8000/</c>.</param>
    public GatewayClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress (the service root URL).", nameof(http));
        }

        _http = http;
    }

    /// <summary>Registers the agent (or updates its card). Keep <see cref="RegisterAgentResponse.WebhookSecret"/>: it is shown once.</summary>
    public Task<RegisterAgentResponse> RegisterAsync(AgentCard card, CancellationToken cancellationToken = default) =>
        PostAsync("gateway/register", card, ProtocolJsonContext.Wire.AgentCard, ProtocolJsonContext.Wire.RegisterAgentResponse, cancellationToken);

    /// <summary>Tells the gateway the agent is alive (call it well within the heartbeat timeout, e.g. every 30 s).</summary>
    public Task<GatewayStatusResponse> HeartbeatAsync(string agentId, CancellationToken cancellationToken = default) =>
        PostAsync("gateway/heartbeat", new AgentIdRequest { AgentId = agentId }, ProtocolJsonContext.Wire.AgentIdRequest, ProtocolJsonContext.Wire.GatewayStatusResponse, cancellationToken);

    /// <summary>Marks the agent offline.</summary>
    public Task<GatewayStatusResponse> UnregisterAsync(string agentId, CancellationToken cancellationToken = default) =>
        PostAsync("gateway/unregister", new AgentIdRequest { AgentId = agentId }, ProtocolJsonContext.Wire.AgentIdRequest, ProtocolJsonContext.Wire.GatewayStatusResponse, cancellationToken);

    /// <summary>Lists agents, optionally of one type; offline ones too when <paramref name="onlineOnly"/> is false.</summary>
    public Task<AgentListResponse> ListAgentsAsync(string? agentType = null, bool onlineOnly = true, CancellationToken cancellationToken = default)
    {
        var query = "gateway/agents?online_only=" + (onlineOnly ? "true" : "false");
        if (!string.IsNullOrEmpty(agentType))
        {
            query += "&agent_type=" + Uri.EscapeDataString(agentType);
        }

        return GetAsync(query, ProtocolJsonContext.Wire.AgentListResponse, cancellationToken);
    }

    /// <summary>The agent's status and last heartbeat.</summary>
    public Task<AgentStatusResponse> GetStatusAsync(string agentId, CancellationToken cancellationToken = default) =>
        GetAsync($"gateway/status/{Uri.EscapeDataString(agentId)}", ProtocolJsonContext.Wire.AgentStatusResponse, cancellationToken);

    /// <summary>Sends a message: <c>sent</c> once the target's webhook accepted it, or <c>queued</c> with
    /// <c>"delivery": "queued"</c>. A failed direct push throws with status 502.</summary>
    public Task<SendMessageResponse> SendAsync(SendMessageRequest message, CancellationToken cancellationToken = default) =>
        PostAsync("gateway/send", message, ProtocolJsonContext.Wire.SendMessageRequest, ProtocolJsonContext.Wire.SendMessageResponse, cancellationToken);

    /// <summary>A message with its delivery state.</summary>
    public Task<GatewayMessage> GetMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        GetAsync($"gateway/messages/{Uri.EscapeDataString(messageId)}", ProtocolJsonContext.Wire.GatewayMessage, cancellationToken);

    /// <summary>A page of a conversation's messages, oldest first.</summary>
    public Task<ConversationMessagesResponse> ListConversationMessagesAsync(string conversationId, int? currentPage = null, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        var path = $"gateway/conversations/{Uri.EscapeDataString(conversationId)}/messages";
        var query = new List<string>(2);
        if (currentPage is { } page)
        {
            query.Add("current_page=" + page.ToString(CultureInfo.InvariantCulture));
        }

        if (pageSize is { } size)
        {
            query.Add("page_size=" + size.ToString(CultureInfo.InvariantCulture));
        }

        return GetAsync(query.Count == 0 ? path : path + "?" + string.Join('&', query), ProtocolJsonContext.Wire.ConversationMessagesResponse, cancellationToken);
    }

    /// <summary>The gateway's status, version, uptime and number of registered agents.</summary>
    public Task<GatewayHealth> GetHealthAsync(CancellationToken cancellationToken = default) =>
        GetAsync("gateway/health", ProtocolJsonContext.Wire.GatewayHealth, cancellationToken);

    private async Task<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(body, requestType);
        using var response = await _http.PostAsync(path, content, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, responseType, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, type, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            GatewayErrorResponse? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Wire.GatewayErrorResponse, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                // Not the gateway's error shape: report the status alone.
            }

            throw new AgentServiceClientException(response.StatusCode, error?.Detail ?? $"The service answered {(int)response.StatusCode} {response.ReasonPhrase}.", null);
        }

        return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
            ?? throw new AgentServiceClientException(response.StatusCode, "The service answered with an empty body.", null);
    }
}
