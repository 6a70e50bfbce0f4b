using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentService.FunctionalTests.Gateway;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentService.FunctionalTests.Security;

/// <summary>
/// Every endpoint of the service × {no key, a wrong key, a key of the wrong role or agent, the right key} in
/// <c>apikey</c> mode: 401, 401, 403 (404 for a run of an agent the key is not granted), 2xx. The endpoint list is read from the running server, so an endpoint added
/// without a row here fails the test until someone decides who may call it.
/// </summary>
public sealed class AuthMatrixTests
{
    private const string WrongKey = "ask_key0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    [Fact]
    public async Task EveryEndpoint_Answers401WithoutOrWithAWrongKey_403ForTheWrongRole_And2xxForTheRightOne()
    {
        await using var fixture = await RuntimeFixture.StartAsync("", "--auth", "apikey");
        var admin = (await File.ReadAllTextAsync(Path.Combine(fixture.Host.DataDir, "admin.key"))).Trim();
        fixture.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        await using var receiver = await WebhookReceiver.StartNewAsync();

        var keys = new Dictionary<string, string>
        {
            ["admin"] = admin,
            ["client"] = await CreateKeyAsync(fixture.Http, "client", "echo", "workers", "manual"),
            ["client-other"] = await CreateKeyAsync(fixture.Http, "client", "manual"),
            ["agent-gw"] = await CreateKeyAsync(fixture.Http, "agent", "gw1"),
            ["agent-other"] = await CreateKeyAsync(fixture.Http, "agent", "gw2"),
            ["agent-workers"] = await CreateKeyAsync(fixture.Http, "agent", "workers"),
        };

        // Resources the rows address, made with the admin key.
        await GatewayCalls.RegisterAsync(fixture.Http, "gw1", receiver.Url);
        await GatewayCalls.RegisterAsync(fixture.Http, "gw2", receiver.Url);
        var message = await GatewayCalls.SendAsync(fixture.Http, GatewayCalls.Text("gw1", "gw2", "hello"));
        var echoTask = await Api.CreateTaskAsync(fixture.Http, "hi", "ap/v1/agent");
        var echoStep = (await Api.PostJsonAsync(fixture.Http, $"ap/v1/agent/tasks/{echoTask}/steps", """{"input":"x"}""")).GetProperty("step_id").GetString()!;
        using (var upload = await Api.UploadAsync(fixture.Http, echoTask, [1, 2, 3], "a.bin", prefix: "ap/v1/agent"))
        {
            upload.EnsureSuccessStatusCode();
        }

        var artifact = (await Api.GetJsonAsync(fixture.Http, $"ap/v1/agent/tasks/{echoTask}/artifacts")).GetProperty("artifacts")[0].GetProperty("artifact_id").GetString()!;
        var (workTask, _) = await fixture.CreateTaskWithStepAsync("w", "agents/workers/ap/v1/agent");
        var claim = await fixture.ClaimAsync("w1") ?? throw new InvalidOperationException("no run to claim");
        var revocable = await CreateKeyAsync(fixture.Http, "client", "echo");
        var revocableId = ApiKeyId(revocable);

        var ids = new Dictionary<string, string>
        {
            ["{task}"] = echoTask,
            ["{step}"] = echoStep,
            ["{artifact}"] = artifact,
            ["{worktask}"] = workTask,
            ["{run}"] = claim.RunId,
            ["{message}"] = message.GetProperty("message_id").GetString()!,
            ["{conversation}"] = message.GetProperty("conversation_id").GetString()!,
            ["{key}"] = revocableId,
        };
        keys["run"] = claim.Token;

        // (method, route template as mapped, concrete path, body, right key, wrong-role key or null when every role may call it, expected 2xx)
        var rows = new List<Row>
        {
            new("GET", "/healthz", "healthz", null, null, null, 200),
            new("GET", "/readyz", "readyz", null, null, null, 200),
            new("GET", "/gateway/health", "gateway/health", null, null, null, 200),

            new("POST", "/ap/v1/agent/tasks", "ap/v1/agent/tasks", Json("""{"input":"x"}"""), "client", "client-other", 200),
            new("GET", "/ap/v1/agent/tasks", "ap/v1/agent/tasks", null, "client", "agent-gw", 200),
            new("GET", "/ap/v1/agent/tasks/{task_id}", "ap/v1/agent/tasks/{task}", null, "client", "client-other", 200),
            new("GET", "/ap/v1/agent/tasks/{task_id}/steps", "ap/v1/agent/tasks/{task}/steps", null, "client", "client-other", 200),
            new("POST", "/ap/v1/agent/tasks/{task_id}/steps", "ap/v1/agent/tasks/{task}/steps", Json("""{"input":"y"}"""), "client", "client-other", 200),
            new("GET", "/ap/v1/agent/tasks/{task_id}/steps/{step_id}", "ap/v1/agent/tasks/{task}/steps/{step}", null, "client", "client-other", 200),
            new("GET", "/ap/v1/agent/tasks/{task_id}/artifacts", "ap/v1/agent/tasks/{task}/artifacts", null, "client", "client-other", 200),
            new("POST", "/ap/v1/agent/tasks/{task_id}/artifacts", "ap/v1/agent/tasks/{task}/artifacts", FileBody, "client", "client-other", 200),
            new("GET", "/ap/v1/agent/tasks/{task_id}/artifacts/{artifact_id}", "ap/v1/agent/tasks/{task}/artifacts/{artifact}", null, "client", "client-other", 200),
            // A task of the built-in echo agent has no run to stream: 404 once past authorization.
            new("GET", "/ap/v1/agent/tasks/{task_id}/events", "ap/v1/agent/tasks/{task}/events", null, "client", "client-other", 404),

            new("POST", "/agents/{agent_id}/ap/v1/agent/tasks", "agents/workers/ap/v1/agent/tasks", Json("""{"input":"x"}"""), "client", "client-other", 200),
            new("GET", "/agents/{agent_id}/ap/v1/agent/tasks", "agents/workers/ap/v1/agent/tasks", null, "client", "agent-workers", 200),
            new("GET", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}", "agents/workers/ap/v1/agent/tasks/{worktask}", null, "client", "client-other", 200),
            new("GET", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/steps", "agents/workers/ap/v1/agent/tasks/{worktask}/steps", null, "client", "client-other", 200),
            new("POST", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/steps", "agents/echo/ap/v1/agent/tasks/{task}/steps", Json("""{"input":"z"}"""), "client", "client-other", 200),
            new("GET", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/steps/{step_id}", "agents/echo/ap/v1/agent/tasks/{task}/steps/{step}", null, "client", "client-other", 200),
            new("GET", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/artifacts", "agents/echo/ap/v1/agent/tasks/{task}/artifacts", null, "client", "client-other", 200),
            new("POST", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/artifacts", "agents/echo/ap/v1/agent/tasks/{task}/artifacts", FileBody, "client", "client-other", 200),
            new("GET", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/artifacts/{artifact_id}", "agents/echo/ap/v1/agent/tasks/{task}/artifacts/{artifact}", null, "client", "client-other", 200),
            new("GET", "/agents/{agent_id}/ap/v1/agent/tasks/{task_id}/events", "agents/workers/ap/v1/agent/tasks/{worktask}/events", null, "client", "client-other", 200),

            new("GET", "/v1/runs/{runId}", "v1/runs/{run}", null, "client", "client-other", 200, Refused: 404),
            new("GET", "/v1/runs/{runId}/events", "v1/runs/{run}/events", null, "client", "client-other", 200, Refused: 404),
            new("GET", "/v1/runs/{runId}/stream", "v1/runs/{run}/stream", null, "client", "client-other", 200, Refused: 404),
            new("GET", "/v1/runs/{runId}/children", "v1/runs/{run}/children", null, "client", "client-other", 200, Refused: 404),
            new("GET", "/v1/agents/{agentId}/runs", "v1/agents/workers/runs?status=running", null, "client", "client-other", 200),
            new("GET", "/v1/runs/{runId}/tool-calls", "v1/runs/{run}/tool-calls", null, "client", "client-other", 200, Refused: 404),
            new("GET", "/v1/runs/{runId}/interactions", "v1/runs/{run}/interactions", null, "client", "client-other", 200, Refused: 404),
            new("GET", "/v1/runs/{runId}/snapshot", "v1/runs/{run}/snapshot", null, "client", "client-other", 200, Refused: 404),

            // Unknown interaction and artifact: 404 once past authorization.
            new("POST", "/v1/runs/{runId}/interactions/{interactionId}", "v1/runs/{run}/interactions/" + TypeId.New("ixn"), Json("""{"action":"approve"}"""), "client", "client-other", 404, Refused: 404),
            new("GET", "/v1/runs/{runId}/artifacts/{artifactId}", "v1/runs/{run}/artifacts/" + TypeId.New("art"), null, "run", "client", 404),
            new("POST", "/v1/runs/{runId}/artifacts", "v1/runs/{run}/artifacts", FileBody, "run", "client", 200),
            // An attempt that is not the run's: 404 once past authorization (the claim's attempt stays).
            new("POST", "/v1/runs/{runId}/release", "v1/runs/{run}/release", Json($$"""{"attemptId":"{{TypeId.New("att")}}"}"""), "run", "client", 404),
            new("POST", "/v1/agents/{agentId}/claims", "v1/agents/workers/claims?waitSeconds=0", Json("""{"workerId":"w2"}"""), "agent-workers", "client", 204),

            new("POST", "/gateway/register", "gateway/register", () => Api.Json(GatewayCalls.Card("gw1", receiver.Url)), "agent-gw", "agent-other", 200),
            new("POST", "/gateway/heartbeat", "gateway/heartbeat", Json("""{"agent_id":"gw1"}"""), "agent-gw", "agent-other", 200),
            new("POST", "/gateway/send", "gateway/send", () => Api.Json(GatewayCalls.Text("gw1", "gw2", "again")), "agent-gw", "agent-other", 200),
            new("GET", "/gateway/agents", "gateway/agents", null, "client", null, 200),
            new("GET", "/gateway/status/{agent_id}", "gateway/status/gw1", null, "agent-other", null, 200),
            new("GET", "/gateway/messages/{message_id}", "gateway/messages/{message}", null, "agent-gw", "client", 200),
            new("GET", "/gateway/conversations/{conversation_id}/messages", "gateway/conversations/{conversation}/messages", null, "agent-gw", "client", 200),

            new("POST", "/v1/keys", "v1/keys", Json("""{"role":"client","agents":["echo"]}"""), "admin", "client", 201),
            new("GET", "/v1/keys", "v1/keys", null, "admin", "client", 200),
            new("GET", "/v1/audit", "v1/audit", null, "admin", "client", 200),
            new("PUT", "/v1/agents/{agentId}/secrets/{name}", "v1/agents/manual/secrets/TOKEN", Json("""{"value":"s3cret-value"}"""), "admin", "client", 200),
            new("GET", "/v1/agents/{agentId}/secrets", "v1/agents/manual/secrets", null, "admin", "client", 200),
            new("DELETE", "/v1/agents/{agentId}/secrets/{name}", "v1/agents/manual/secrets/TOKEN", null, "admin", "client", 204),
            new("PUT", "/v1/agents/{agentId}/config", "v1/agents/manual/config", Json("""{"model":"m2"}"""), "admin", "client", 200),
            new("GET", "/v1/agents/{agentId}/config", "v1/agents/manual/config", null, "admin", "agent-gw", 200),

            // Ends with these: revoking the key, cancelling the run (its token then stops working) and unregistering.
            new("DELETE", "/v1/keys/{keyId}", "v1/keys/{key}", null, "admin", "client", 200),
            new("POST", "/v1/runs/{runId}/cancel", "v1/runs/{run}/cancel", Json("""{}"""), "client", "client-other", 202, Refused: 404),
            new("POST", "/gateway/unregister", "gateway/unregister", Json("""{"agent_id":"gw1"}"""), "agent-gw", "agent-other", 200),
        };

        // The WebSocket checks its run token itself (RuntimeAuthTests); everything else must have a row.
        var mapped = fixture.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Where(e => e != "* /runtime")
            .ToHashSet();
        var covered = rows.Select(r => $"{r.Method} {r.Template}").ToHashSet();
        Assert.Empty(mapped.Except(covered));
        Assert.Empty(covered.Except(mapped));

        using var http = new HttpClient { BaseAddress = fixture.Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var row in rows)
        {
            var path = ids.Aggregate(row.Path, (p, id) => p.Replace(id.Key, id.Value, StringComparison.Ordinal));
            var open = row.RightKey is null;
            await ExpectAsync(http, row, path, null, open ? row.Success : 401);
            await ExpectAsync(http, row, path, WrongKey, open ? row.Success : 401);
            if (row.WrongRoleKey is { } wrong)
            {
                await ExpectAsync(http, row, path, keys[wrong], row.Refused);
            }

            if (!open)
            {
                await ExpectAsync(http, row, path, keys[row.RightKey!], row.Success);
            }
        }

        // Every refusal was audited, with the actor and the outcome (entries are appended after the response).
        (string?, string?, int)[] expectedOutcomes =
        [
            ("unauthenticated", "denied", 401),
            ($"key:{ApiKeyId(keys["agent-other"])}", "denied", 403),
            ($"key:{ApiKeyId(keys["agent-gw"])}", "success", 200),
        ];
        static List<(string?, string?, int)> Outcomes(JsonElement audit) =>
            audit.GetProperty("items").EnumerateArray().Select(e => (e.GetProperty("actor").GetString(), e.GetProperty("outcome").GetString(), e.GetProperty("status").GetInt32())).ToList();
        var audit = await Wait.UntilAsync(
            () => Api.GetJsonAsync(fixture.Http, "v1/audit?page_size=100&action=POST%20%2Fgateway%2Fsend"),
            a => expectedOutcomes.All(Outcomes(a).Contains),
            TimeSpan.FromSeconds(10), "the gateway send entries to be committed");
        var outcomes = Outcomes(audit);
        foreach (var expectedOutcome in expectedOutcomes)
        {
            Assert.Contains(expectedOutcome, outcomes);
        }
    }

    internal static async Task<string> CreateKeyAsync(HttpClient http, string role, params string[] agents)
    {
        var key = await Api.PostJsonAsync(http, "v1/keys", JsonSerializer.Serialize(new { role, agents }), HttpStatusCode.Created);
        return key.GetProperty("key").GetString()!;
    }

    internal static string ApiKeyId(string key) => key.Split('_')[1];

    private static async Task ExpectAsync(HttpClient http, Row row, string path, string? key, int expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), path) { Content = row.Body?.Invoke() };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        request.Headers.Add("Prefer", "wait=0");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "(stream)" : await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{row.Method} {path} with {(key is null ? "no key" : key == WrongKey ? "a wrong key" : "key " + key[..12])}: expected {expected}, got {(int)response.StatusCode} {body}");
        if (expected is 401 or 403)
        {
            using var error = JsonDocument.Parse(body);
            Assert.True(error.RootElement.TryGetProperty(path.StartsWith("gateway", StringComparison.Ordinal) ? "detail" : "message", out _), body);
        }
    }

    private static Func<HttpContent>? Json(string json) => () => Api.Json(json);

    private static MultipartFormDataContent FileBody()
    {
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent([9, 8, 7]), "file", "f.bin");
        return form;
    }

    /// <param name="Refused">What the wrong key gets: 403, or 404 where a 403 would tell it the run exists.</param>
    private sealed record Row(string Method, string Template, string Path, Func<HttpContent>? Body, string? RightKey, string? WrongRoleKey, int Success, int Refused = 403);
}
