using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentService.FunctionalTests.Gateway;

/// <summary>Raw calls of the Gateway API: the tests look at the exact JSON it sends.</summary>
internal static class GatewayCalls
{
    public static string Card(string agentId, Uri webhook, string type = "analyst", string? name = null) => new JsonObject
    {
        ["agent_id"] = agentId,
        ["agent_name"] = name ?? $"Agent {agentId}",
        ["agent_type"] = type,
        ["capabilities"] = new JsonArray("search", "analyze"),
        ["description"] = "test agent",
        ["webhook_url"] = webhook.ToString(),
        ["metadata"] = new JsonObject { ["version"] = "1.0.0", ["owner"] = "team-a" },
    }.ToJsonString();

    /// <summary>Registers the agent; returns its webhook secret.</summary>
    public static async Task<string> RegisterAsync(HttpClient http, string agentId, Uri webhook, string type = "analyst")
    {
        var reply = await Api.PostJsonAsync(http, "gateway/register", Card(agentId, webhook, type));
        return reply.GetProperty("webhook_secret").GetString()!;
    }

    public static string Text(string from, string to, string text, string? conversationId = null, string? delivery = null)
    {
        var body = new JsonObject
        {
            ["from_agent_id"] = from,
            ["to_agent_id"] = to,
            ["conversation_id"] = conversationId,
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
            ["metadata"] = new JsonObject { ["n"] = 1 },
        };
        if (delivery is not null)
        {
            body["delivery"] = delivery;
        }

        return body.ToJsonString();
    }

    public static Task<JsonElement> SendAsync(HttpClient http, string body, HttpStatusCode expected = HttpStatusCode.OK) =>
        Api.PostJsonAsync(http, "gateway/send", body, expected);

    public static Task<JsonElement> MessageAsync(HttpClient http, string messageId) => Api.GetJsonAsync(http, $"gateway/messages/{messageId}");

    /// <summary>Asserts an error of the Gateway's shape: the status, and a <c>detail</c> string that contains <paramref name="contains"/>.</summary>
    public static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string contains)
    {
        var error = await Api.ReadJsonAsync(response, status);
        var detail = error.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrEmpty(detail));
        Assert.Contains(contains, detail, StringComparison.OrdinalIgnoreCase);
        return error;
    }

    public static async Task<JsonElement> PostErrorAsync(HttpClient http, string path, string body, HttpStatusCode status, string contains)
    {
        using var response = await http.PostAsync(path, Api.Json(body));
        return await AssertErrorAsync(response, status, contains);
    }
}
