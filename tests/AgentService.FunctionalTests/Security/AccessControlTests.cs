using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Server.Hosting;
using AgentService.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace AgentService.FunctionalTests.Security;

/// <summary>API keys (lifecycle, expiry, revocation), the audit log, rate limits, the refusal to run without
/// authentication on a network address, run tokens that end with their run, and the admin secret/config APIs as a
/// runtime sees them — each through the real HTTP and WebSocket interfaces. Keys and the audit log are tested on both
/// stores; the tests with runtimes need SQLite (runs are not on PostgreSQL yet).</summary>
public sealed class AccessControlTests
{
    [Fact]
    public async Task Keys_AreShownOnce_ListedWithoutSecrets_RevokedAtOnce_AndExpire()
    {
        var clock = new ManualTimeProvider();
        await using var host = await ServiceHost.StartConfiguredAsync(b => b.Services.AddSingleton<TimeProvider>(clock), null, "--auth", "apikey");
        using var admin = AdminClient(host);

        var created = await Api.PostJsonAsync(admin, "v1/keys", """{"role":"client","agents":["echo"],"name":"ci","expiresAt":"2100-01-01T00:00:00Z"}""", HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        var keyId = created.GetProperty("keyId").GetString()!;
        Assert.StartsWith($"ask_{keyId}_", key);
        Assert.Equal("client", created.GetProperty("role").GetString());
        var createdAudit = await AuditAsync(admin, "action=POST%20/v1/keys", a => a.GetProperty("items").GetArrayLength() >= 1, "the key's creation to be audited");
        Assert.Equal($"keyId={keyId}", createdAudit.GetProperty("items")[0].GetProperty("target").GetString());

        using var client = Client(host, key);
        await Api.CreateTaskAsync(client, "with a client key", "ap/v1/agent");

        // X-API-Key works as well as Bearer.
        using (var viaHeader = new HttpRequestMessage(HttpMethod.Get, "ap/v1/agent/tasks"))
        {
            viaHeader.Headers.Add("X-API-Key", key);
            using var response = await host.CreateClient().SendAsync(viaHeader);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var list = await Api.GetJsonAsync(admin, "v1/keys");
        var listed = list.GetProperty("items").EnumerateArray().Single(k => k.GetProperty("keyId").GetString() == keyId);
        Assert.False(listed.TryGetProperty("key", out _));
        Assert.DoesNotContain(key, list.GetRawText(), StringComparison.Ordinal);
        Assert.True(listed.GetProperty("active").GetBoolean());
        Assert.Equal("ci", listed.GetProperty("name").GetString());

        using (var revoke = await admin.DeleteAsync($"v1/keys/{keyId}"))
        {
            var body = await Api.ReadJsonAsync(revoke, HttpStatusCode.OK);
            Assert.False(body.GetProperty("active").GetBoolean());
            Assert.Equal(JsonValueKind.String, body.GetProperty("revokedAt").ValueKind);
        }

        using (var afterRevoke = await client.GetAsync("ap/v1/agent/tasks"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
            Assert.Contains("revoked", await afterRevoke.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A key with an expiry stops working when the clock passes it (and the key cache time).
        var expiring = await Api.PostJsonAsync(admin, "v1/keys", $$"""{"role":"client","agents":["*"],"expiresAt":"{{clock.GetUtcNow().AddHours(1):yyyy-MM-ddTHH:mm:ssZ}}"}""", HttpStatusCode.Created);
        using var short1 = Client(host, expiring.GetProperty("key").GetString()!);
        using (var before = await short1.GetAsync("ap/v1/agent/tasks"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        clock.Advance(TimeSpan.FromHours(2));
        using (var after = await short1.GetAsync("ap/v1/agent/tasks"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        }

        // Bad key requests are 422 naming the field, and create nothing.
        var before422 = (await Api.GetJsonAsync(admin, "v1/keys")).GetProperty("pagination").GetProperty("totalItems").GetInt32();
        foreach (var (body, field) in new[]
        {
            ("""{"role":"root"}""", "role"),
            ("""{"role":"client"}""", "agents"),
            ("""{"role":"agent","agents":["a","b"]}""", "agents"),
            ("""{"role":"admin","agents":["a"]}""", "agents"),
            ("""{"role":"client","agents":["../x"]}""", "agents"),
            ("""{"role":"client","agents":["*"],"expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt"),
            ("""{"role":"client","agents":["*"],"expiresAt":"tomorrow"}""", "expiresAt"),
            ("""{"role":"client","agents":["*"],"colour":"red"}""", "colour"),
        })
        {
            using var response = await admin.PostAsync("v1/keys", Api.Json(body));
            await Api.AssertInvalidAsync(response, field);
        }

        Assert.Equal(before422, (await Api.GetJsonAsync(admin, "v1/keys")).GetProperty("pagination").GetProperty("totalItems").GetInt32());
    }

    [Fact]
    public async Task AuditLog_RecordsChangesAndRefusals_FiltersByActorActionAndTime_AndIsAppendOnly()
    {
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        using var admin = AdminClient(host);
        var key = await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo");
        var keyId = AuthMatrixTests.ApiKeyId(key);
        using var client = Client(host, key);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        var taskId = await Api.CreateTaskAsync(client, "audited", "ap/v1/agent");
        using (var denied = await client.GetAsync("v1/keys"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        using (var anonymous = await host.CreateClient().PostAsync("ap/v1/agent/tasks", Api.Json("{}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var entries = await Wait.UntilAsync(
            () => Api.GetJsonAsync(admin, $"v1/audit?actor=key:{keyId}"),
            a => a.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).Intersect(["POST /ap/v1/agent/tasks", "GET /v1/keys"]).Count() == 2,
            TimeSpan.FromSeconds(10), "the audit entries to be committed");
        var items = entries.GetProperty("items").EnumerateArray().ToList();
        var create = items.Single(e => e.GetProperty("action").GetString() == "POST /ap/v1/agent/tasks");
        Assert.Equal("success", create.GetProperty("outcome").GetString());
        Assert.Equal(200, create.GetProperty("status").GetInt32());
        Assert.Contains(taskId, create.GetProperty("target").GetString(), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", create.GetProperty("remoteAddress").GetString());
        Assert.False(string.IsNullOrEmpty(create.GetProperty("traceId").GetString()));
        var refused = items.Single(e => e.GetProperty("action").GetString() == "GET /v1/keys");
        Assert.Equal("denied", refused.GetProperty("outcome").GetString());
        Assert.Equal(403, refused.GetProperty("status").GetInt32());

        // Entries are appended after the response has gone out, so the refused anonymous request may land later.
        var unauthenticated = await Wait.UntilAsync(
            () => Api.GetJsonAsync(admin, "v1/audit?actor=unauthenticated&action=POST%20%2Fap%2Fv1%2Fagent%2Ftasks"),
            a => a.GetProperty("items").GetArrayLength() > 0,
            TimeSpan.FromSeconds(10), "the refused anonymous request's entry to be committed");
        Assert.Equal(401, Assert.Single(unauthenticated.GetProperty("items").EnumerateArray()).GetProperty("status").GetInt32());

        var window = await Api.GetJsonAsync(admin, $"v1/audit?since={Uri.EscapeDataString(since.ToString("O"))}&until={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}&page_size=100");
        Assert.True(window.GetProperty("pagination").GetProperty("totalItems").GetInt32() >= 3);
        var future = await Api.GetJsonAsync(admin, $"v1/audit?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");
        Assert.Equal(0, future.GetProperty("pagination").GetProperty("totalItems").GetInt32());

        using (var bad = await admin.GetAsync("v1/audit?since=yesterday"))
        {
            await Api.AssertInvalidAsync(bad, "since");
        }

        // The keys never appear in the log; rows cannot be changed or removed.
        var all = await Api.GetJsonAsync(admin, "v1/audit?page_size=100");
        Assert.DoesNotContain(key, all.GetRawText(), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => host.ExecuteSqlAsync("UPDATE audit_log SET outcome = 'success'"));
        await Assert.ThrowsAnyAsync<Exception>(() => host.ExecuteSqlAsync("DELETE FROM audit_log"));
    }

    [Fact]
    public async Task RateLimits_Answer429WithRetryAfter_InEachApisShape_AndRecover()
    {
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey",
            "--AgentService:RateLimits:PerKey:TokensPerSecond=1", "--AgentService:RateLimits:PerKey:Burst=3");
        using var admin = AdminClient(host);
        var key = await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo");
        using var client = Client(host, key);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await client.GetAsync("ap/v1/agent/tasks");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 3, string.Join(",", statuses));
            var retryAfter = limited.Headers.RetryAfter?.Delta ?? throw new InvalidOperationException("no Retry-After");
            Assert.InRange(retryAfter.TotalSeconds, 1, 5);
            using var body = JsonDocument.Parse(await limited.Content.ReadAsStringAsync());
            Assert.Contains("retry", body.RootElement.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);

            // The gateway answers in its own shape; health is never limited.
            using var gateway = await client.GetAsync("gateway/agents");
            Assert.Equal(HttpStatusCode.TooManyRequests, gateway.StatusCode);
            Assert.True(JsonDocument.Parse(await gateway.Content.ReadAsStringAsync()).RootElement.TryGetProperty("detail", out _));
            using var health = await client.GetAsync("healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            // Another key has its own bucket.
            using var other = await admin.GetAsync("ap/v1/agent/tasks");
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);

            await Task.Delay(retryAfter + TimeSpan.FromMilliseconds(200));
        }

        using var recovered = await client.GetAsync("ap/v1/agent/tasks");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        var audit = await AuditAsync(admin, $"actor=key:{AuthMatrixTests.ApiKeyId(key)}", a => a.GetProperty("items").EnumerateArray().Any(e => e.GetProperty("status").GetInt32() == 429), "the 429 to be audited");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("outcome").GetString() == "denied");
    }

    [Fact]
    public async Task RateLimits_PerAgent_AreSharedByEveryKeyThatCallsTheAgent()
    {
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey",
            "--AgentService:RateLimits:PerAgent:TokensPerSecond=1", "--AgentService:RateLimits:PerAgent:Burst=4");
        using var admin = AdminClient(host);
        using var first = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo"));
        using var second = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo"));

        // Each key alone is well within its own bucket; together they exhaust the agent's (both route forms count).
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var a = await first.GetAsync("ap/v1/agent/tasks");
            using var b = await second.GetAsync("agents/echo/ap/v1/agent/tasks");
            statuses.Add(a.StatusCode);
            statuses.Add(b.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 4, 6);

        // The admin's calls to the gateway are not this agent's.
        using var other = await admin.GetAsync("gateway/agents");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task RateLimits_PerAgent_AreNotSpentByRequestsWithoutAValidKey()
    {
        // Otherwise anyone without a key (from a few addresses) could lock an agent's real callers out.
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey",
            "--AgentService:RateLimits:PerAgent:TokensPerSecond=1", "--AgentService:RateLimits:PerAgent:Burst=4");
        using var admin = AdminClient(host);
        using var client = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo"));
        using var anonymous = host.CreateClient();
        using var forged = Client(host, "ask_nokey_" + new string('x', 43));

        for (var i = 0; i < 6; i++)
        {
            using var none = await anonymous.GetAsync("agents/echo/ap/v1/agent/tasks");
            using var bad = await forged.GetAsync("ap/v1/agent/tasks");
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        }

        using var real = await client.GetAsync("ap/v1/agent/tasks");
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
    }

    [Fact]
    public async Task AnyValidKey_GetsTheRoutingAnswer_ForAnUnknownPathOrAWrongMethod_NotARoleRefusal()
    {
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        using var admin = AdminClient(host);
        using var client = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo"));

        using (var unknown = await client.GetAsync("v1/nonexistent"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var wrongMethod = await client.DeleteAsync("ap/v1/agent/tasks"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
            Assert.Contains("POST", wrongMethod.Content.Headers.Allow);
        }

        // Still: an endpoint of the admins is refused for the role, and without a key everything is 401.
        using (var keys = await client.GetAsync("v1/keys"))
        {
            var refused = await Api.ReadJsonAsync(keys, HttpStatusCode.Forbidden);
            Assert.Equal("This key's role (client) cannot use GET /v1/keys; it takes admin.", refused.GetProperty("message").GetString());
        }

        // The role is named before any agent: an agent key on the Agent Protocol is refused for its role, on either route.
        using var agentKey = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "agent", "echo"));
        foreach (var path in new[] { "ap/v1/agent/tasks", "agents/echo/ap/v1/agent/tasks" })
        {
            using var refusedForRole = await agentKey.GetAsync(path);
            var message = (await Api.ReadJsonAsync(refusedForRole, HttpStatusCode.Forbidden)).GetProperty("message").GetString();
            Assert.Equal($"This key's role (agent) cannot use GET /{path}; it takes admin or client.", message);
        }

        using var anonymous = await host.CreateClient().GetAsync("v1/nonexistent");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task AuditLog_RecordsARefusedHeadAsHead()
    {
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        using var admin = AdminClient(host);
        var key = await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo");
        using var client = Client(host, key);

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "v1/keys"));
        Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);

        var audit = await AuditAsync(admin, $"actor=key:{AuthMatrixTests.ApiKeyId(key)}", a => a.GetProperty("items").GetArrayLength() >= 1, "the refusal to be audited");
        Assert.Equal("HEAD /v1/keys", Assert.Single(audit.GetProperty("items").EnumerateArray()).GetProperty("action").GetString());
    }

    [Fact]
    public async Task TheLastAdminKeyThatWorks_CannotBeRevoked_SoTheServiceCannotBeLockedForGood()
    {
        // A new admin key is only made for an empty store: revoking the last one would leave nobody to manage keys.
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        using var bootstrap = AdminClient(host);
        var bootstrapId = AuthMatrixTests.ApiKeyId(File.ReadAllText(Path.Combine(host.DataDir, "admin.key")).Trim());
        await AuthMatrixTests.CreateKeyAsync(bootstrap, "client", "echo");

        using var alone = await bootstrap.DeleteAsync($"v1/keys/{bootstrapId}");
        var error = await Api.ReadJsonAsync(alone, HttpStatusCode.Conflict);
        Assert.Contains("last active admin key", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        using (var stillWorks = await bootstrap.GetAsync("v1/keys"))
        {
            Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
        }

        // With a second admin key, the first can go; then the second is the last.
        var second = await AuthMatrixTests.CreateKeyAsync(bootstrap, "admin");
        using (var revoked = await bootstrap.DeleteAsync($"v1/keys/{bootstrapId}"))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        using var secondAdmin = Client(host, second);
        using var last = await secondAdmin.DeleteAsync($"v1/keys/{AuthMatrixTests.ApiKeyId(second)}");
        await Api.ReadJsonAsync(last, HttpStatusCode.Conflict);
        using var again = await secondAdmin.DeleteAsync($"v1/keys/{bootstrapId}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task AuditLog_SaysWhoAGatewayCallTriedToActAs_AndWhyItWasRefused()
    {
        // An agent key speaking for another agent is what an auditor looks for: the entry names both and the reason.
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        using var admin = AdminClient(host);
        var key = await AuthMatrixTests.CreateKeyAsync(admin, "agent", "mallory");
        using var mallory = Client(host, key);

        using var heartbeat = await mallory.PostAsync("gateway/heartbeat", Api.Json("""{"agent_id":"alice"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, heartbeat.StatusCode);
        using var send = await mallory.PostAsync("gateway/send", Api.Json(Gateway.GatewayCalls.Text("alice", "bob", "it's me, alice")));
        Assert.Equal(HttpStatusCode.Forbidden, send.StatusCode);

        var audit = await AuditAsync(admin, $"actor=key:{AuthMatrixTests.ApiKeyId(key)}", a => a.GetProperty("items").GetArrayLength() >= 2, "both refusals to be audited");
        var items = audit.GetProperty("items").EnumerateArray().ToList();
        var refusedHeartbeat = Assert.Single(items, e => e.GetProperty("action").GetString() == "POST /gateway/heartbeat");
        Assert.Equal("agent_id=alice", refusedHeartbeat.GetProperty("target").GetString());
        Assert.Equal("denied", refusedHeartbeat.GetProperty("outcome").GetString());
        Assert.Contains("cannot act as agent 'alice'", refusedHeartbeat.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var refusedSend = Assert.Single(items, e => e.GetProperty("action").GetString() == "POST /gateway/send");
        Assert.Equal("from=alice to=bob", refusedSend.GetProperty("target").GetString());
        Assert.Contains("cannot act as agent 'alice'", refusedSend.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentKey_CannotShareAnotherAgentsArtifact_ByNamingItInAFilePart()
    {
        // The pushed message would carry the file's name, size and URL: an agent key shares its own agent's files only.
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        await using var receiver = await WebhookReceiver.StartNewAsync();
        using var admin = AdminClient(host);
        var taskId = await Api.CreateTaskAsync(admin, "echo's private task");
        using var upload = await Api.UploadAsync(admin, taskId, "salary figures"u8.ToArray(), "salaries.csv");
        var artifactId = (await Api.ReadJsonAsync(upload, HttpStatusCode.OK)).GetProperty("artifact_id").GetString()!;
        await Gateway.GatewayCalls.RegisterAsync(admin, "bob", receiver.Url);
        using var mallory = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "agent", "mallory"));
        using (var registered = await mallory.PostAsync("gateway/register", Api.Json(Gateway.GatewayCalls.Card("mallory", receiver.Url))))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        using var send = await mallory.PostAsync("gateway/send", Api.Json($$$"""
            {"from_agent_id":"mallory","to_agent_id":"bob","content":[{"type":"file","file":{"task_id":"{{{taskId}}}","artifact_id":"{{{artifactId}}}"}}]}
            """));

        var error = await Gateway.GatewayCalls.AssertErrorAsync(send, HttpStatusCode.Forbidden, "may share only artifacts of its own agent's tasks");
        Assert.DoesNotContain("salaries", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task AClientKey_CannotTellARunOfAnotherAgentExists()
    {
        // Run ids travel (logs, links, URLs): a run of an agent the key is not granted answers exactly as an unknown
        // run, on every run endpoint, and the audit log keeps the refusal with its real reason.
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        await using var receiver = await WebhookReceiver.StartNewAsync();
        using var admin = AdminClient(host);
        foreach (var agent in new[] { "alice", "bob" })
        {
            await Gateway.GatewayCalls.RegisterAsync(admin, agent, receiver.Url);
        }

        var bobsRun = await Api.CreateTaskAsync(admin, "for bob only", "agents/bob/ap/v1/agent");
        var aliceKey = await AuthMatrixTests.CreateKeyAsync(admin, "client", "alice");
        using var alice = Client(host, aliceKey);
        var unknownRun = Protocol.Ids.TypeId.New("run");
        foreach (var path in new[] { "", "/events", "/children", "/snapshot", "/tool-calls", "/interactions" })
        {
            using var unknownResponse = await alice.GetAsync($"v1/runs/{unknownRun}{path}");
            var unknown = await Api.ReadJsonAsync(unknownResponse, HttpStatusCode.NotFound);
            using var hiddenResponse = await alice.GetAsync($"v1/runs/{bobsRun}{path}");
            var hidden = await Api.ReadJsonAsync(hiddenResponse, HttpStatusCode.NotFound);
            Assert.Equal(unknown.GetProperty("message").GetString()!.Replace(unknownRun, bobsRun, StringComparison.Ordinal), hidden.GetProperty("message").GetString());
        }

        using (var cancel = await alice.PostAsync($"v1/runs/{bobsRun}/cancel", Api.Json("{}")))
        {
            await Api.ReadJsonAsync(cancel, HttpStatusCode.NotFound);
        }

        Assert.NotEqual("cancelled", (await Api.GetJsonAsync(admin, $"v1/runs/{bobsRun}")).GetProperty("status").GetString());

        var audit = await AuditAsync(admin, $"actor=key:{AuthMatrixTests.ApiKeyId(aliceKey)}", a => a.GetProperty("items").GetArrayLength() >= 7, "the refusals to be audited");
        var cancelEntry = audit.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("action").GetString() == "POST /v1/runs/{runId}/cancel");
        Assert.Equal("denied", cancelEntry.GetProperty("outcome").GetString());
        Assert.Equal(404, cancelEntry.GetProperty("status").GetInt32());
        Assert.Contains("not granted agent 'bob'", cancelEntry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentKey_ReadsOnlyConversationsItIsPartyTo_AndCannotTellAnotherOneExists()
    {
        // Conversation ids are chosen by clients and easily guessed: another agents' conversation answers exactly as an
        // unknown one, on any page, so neither its existence nor its length shows.
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        await using var receiver = await WebhookReceiver.StartNewAsync();
        using var admin = AdminClient(host);
        foreach (var agent in new[] { "alice", "bob", "mallory" })
        {
            await Gateway.GatewayCalls.RegisterAsync(admin, agent, receiver.Url);
        }

        for (var i = 0; i < 3; i++)
        {
            await Gateway.GatewayCalls.SendAsync(admin, Gateway.GatewayCalls.Text("alice", "bob", $"offer {i}", "deal-42"));
        }

        using var bob = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "agent", "bob"));
        using var mallory = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "agent", "mallory"));

        Assert.Equal(3, (await Api.GetJsonAsync(bob, "gateway/conversations/deal-42/messages")).GetProperty("messages").GetArrayLength());
        using var unknownResponse = await mallory.GetAsync("gateway/conversations/no-such-deal/messages");
        var unknown = await Gateway.GatewayCalls.AssertErrorAsync(unknownResponse, HttpStatusCode.NotFound, "has no messages");
        foreach (var page in new[] { "", "?current_page=2&page_size=2", "?current_page=50" })
        {
            using var response = await mallory.GetAsync($"gateway/conversations/deal-42/messages{page}");
            var hidden = await Gateway.GatewayCalls.AssertErrorAsync(response, HttpStatusCode.NotFound, "has no messages");
            Assert.Equal(unknown.GetProperty("detail").GetString()!.Replace("no-such-deal", "deal-42", StringComparison.Ordinal), hidden.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task AuditLog_KeepsNoCredentialPastedIntoAPath_AndNoLineBreakFromOne()
    {
        await using var host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        using var admin = AdminClient(host);
        var key = await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo");
        var keyIdPart = key[..(key.IndexOf('_', "ask_".Length) + 1)];
        var secret = key[keyIdPart.Length..];

        // The whole key where its id goes (an easy slip), and into a path no route matches, with a forged line after it.
        using var revoke = await admin.DeleteAsync($"v1/keys/{key}");
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        using var forged = await host.CreateClient().PostAsync($"z/{key}%0A2026-12-07T00:00:00Z%20success%20200", null);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);

        // Refused for its role, with the path in the reason the audit log keeps for good.
        using var client = Client(host, await AuthMatrixTests.CreateKeyAsync(admin, "client", "echo"));
        using var refused = await client.DeleteAsync($"v1/keys/{key}");
        var reason = (await Api.ReadJsonAsync(refused, HttpStatusCode.Forbidden)).GetProperty("message").GetString();
        Assert.Equal($"This key's role (client) cannot use DELETE /v1/keys/{keyIdPart}[redacted]; it takes admin.", reason);

        var entries = await AuditAsync(admin, "page_size=100", a => a.GetProperty("items").EnumerateArray().Count(e => e.GetProperty("status").GetInt32() is 404 or 401 or 403) >= 3, "the three requests to be audited");
        var text = entries.ToString();
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        var items = entries.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, e => e.GetProperty("target").GetString() == $"keyId={keyIdPart}[redacted]");
        var unrouted = Assert.Single(items, e => e.GetProperty("status").GetInt32() == 401);
        Assert.StartsWith("POST /z/ask_", unrouted.GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.Contains("[redacted]%0A2026", unrouted.GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(items, e => e.ToString().Contains('\n', StringComparison.Ordinal) || e.GetProperty("action").GetString()!.Contains('\n', StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoAuthentication_IsRefusedOnANetworkAddress_UnlessForced()
    {
        using var dir = new TempDirectory();
        var refused = Assert.Throws<InvalidOperationException>(() => AgentServiceApp.Create(["--urls", "http://0.0.0.0:0", "--data-dir", dir.Path]));
        Assert.Contains("Refusing to start without authentication", refused.Message, StringComparison.Ordinal);

        await using (var forced = AgentServiceApp.Create(["--urls", "http://0.0.0.0:0", "--data-dir", dir.Path, "--allow-no-auth-on-network", "true"]))
        {
            await forced.StartAsync();
            await forced.StopAsync();
        }

        await using var secured = AgentServiceApp.Create(["--urls", "http://0.0.0.0:0", "--data-dir", dir.Path, "--auth", "apikey"]);
        await secured.StartAsync();
        await secured.StopAsync();
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir.Path, "admin.key")));
        }
    }

    [Fact]
    public async Task RunTokens_ReachOnlyTheirRun_AreAudited_AndStopWorkingWhenTheRunEnds()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var (taskA, _) = await fixture.CreateTaskWithStepAsync("a", "agents/workers/ap/v1/agent");
        var (taskB, _) = await fixture.CreateTaskWithStepAsync("b", "agents/workers/ap/v1/agent");
        var claimA = await fixture.ClaimAsync("w-a") ?? throw new InvalidOperationException("no claim");
        var claimB = await fixture.ClaimAsync("w-b") ?? throw new InvalidOperationException("no claim");
        Assert.Equal(new[] { taskA, taskB }.Order(StringComparer.Ordinal), new[] { claimA.RunId, claimB.RunId }.Order(StringComparer.Ordinal));

        // A's token cannot attach to B, nor upload to B.
        await using (var intruder = await RawRuntime.ConnectAsync(claimA.ServiceUrl, claimA.Token))
        {
            var attach = await intruder.AttachAsync(claimB.RunId, claimB.AttemptId);
            Assert.Equal(1040, attach.GetProperty("error").GetProperty("code").GetInt32());
        }

        using var upload = new MultipartFormDataContent { { new ByteArrayContent([1]), "file", "x.bin" } };
        using var uploadRequest = new HttpRequestMessage(HttpMethod.Post, $"v1/runs/{claimB.RunId}/artifacts") { Content = upload };
        uploadRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", claimA.Token);
        using (var crossUpload = await fixture.Http.SendAsync(uploadRequest))
        {
            Assert.Equal(HttpStatusCode.Forbidden, crossUpload.StatusCode);
        }

        var audit = await AuditAsync(fixture.Http, $"actor=run:{claimA.RunId}", a => a.GetProperty("items").EnumerateArray().Count(e => e.GetProperty("outcome").GetString() == "denied") >= 2, "the refusals to be audited");
        var refusals = audit.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("outcome").GetString() == "denied").ToList();
        Assert.Contains(refusals, e => e.GetProperty("action").GetString()!.Contains("attach", StringComparison.Ordinal)
            && e.GetProperty("target").GetString() == $"runId={claimB.RunId}" && e.GetProperty("detail").GetString()!.StartsWith("1040", StringComparison.Ordinal));
        Assert.Contains(refusals, e => e.GetProperty("action").GetString() == "POST /v1/runs/{runId}/artifacts" && e.GetProperty("status").GetInt32() == 403);

        // Attached to its own run, A cannot read B's session KV or secrets through B's run id. Then A finishes its run.
        await using (var own = await RawRuntime.ConnectAsync(claimA.ServiceUrl, claimA.Token))
        {
            var attach = await own.AttachAsync(claimA.RunId, claimA.AttemptId);
            var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
            var kv = await own.RequestAsync("runtime.connection.kv.get.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = claimB.RunId, ["keys"] = new JsonArray("k") });
            Assert.Equal(1021, kv.GetProperty("error").GetProperty("code").GetInt32());
            var secrets = await own.RequestAsync("runtime.connection.secrets.get.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = claimB.RunId });
            Assert.Equal(1021, secrets.GetProperty("error").GetProperty("code").GetInt32());
            await own.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, claimA,
                RuntimeFixture.Event("run.finished", claimA, 1, new JsonObject { ["status"] = "completed" })));
        }

        var kvAudit = await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/audit?actor=run:{claimA.RunId}&action={Uri.EscapeDataString("runtime runtime.connection.kv.get.command")}"),
            a => a.GetProperty("pagination").GetProperty("totalItems").GetInt32() >= 1, TimeSpan.FromSeconds(10), "the KV refusal to be audited");
        Assert.Equal("denied", kvAudit.GetProperty("items")[0].GetProperty("outcome").GetString());

        // Its run finished, A's token no longer opens a socket or uploads.
        await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{claimA.RunId}"), r => r.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(10), "run A to complete");
        using var late = new MultipartFormDataContent { { new ByteArrayContent([1]), "file", "late.bin" } };
        using var lateRequest = new HttpRequestMessage(HttpMethod.Post, $"v1/runs/{claimA.RunId}/artifacts") { Content = late };
        lateRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", claimA.Token);
        using (var lateUpload = await fixture.Http.SendAsync(lateRequest))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, lateUpload.StatusCode);
        }

        var socketRefused = await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() => RawRuntime.ConnectAsync(claimA.ServiceUrl, claimA.Token));
        Assert.Contains("401", socketRefused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminSecretsAndConfig_ReachTheRuntime_AndSecretValuesAreNeverReturned()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var set = await Api.PutJsonAsync(fixture.Http, "v1/agents/manual/secrets/DB_PASSWORD", """{"value":"hunter2-admin-set"}""");
        Assert.Equal("DB_PASSWORD", set.GetProperty("name").GetString());
        var setAudit = await AuditAsync(fixture.Http, "action=PUT%20/v1/agents/{agentId}/secrets/{name}", a => a.GetProperty("items").GetArrayLength() >= 1, "the secret's write to be audited");
        Assert.Equal("agentId=manual name=DB_PASSWORD", setAudit.GetProperty("items")[0].GetProperty("target").GetString());
        Assert.DoesNotContain("hunter2", set.GetRawText(), StringComparison.Ordinal);
        var names = await Api.GetJsonAsync(fixture.Http, "v1/agents/manual/secrets");
        Assert.Equal(["API_KEY", "DB_PASSWORD", "OTHER"], names.GetProperty("secrets").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToArray());
        Assert.DoesNotContain("hunter2", names.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-test-123", names.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(set.GetProperty("updatedAt").GetString(), // the answer's time is the stored one, to the millisecond
            names.GetProperty("secrets").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "DB_PASSWORD").GetProperty("updatedAt").GetString());

        var fileConfig = await Api.GetJsonAsync(fixture.Http, "v1/agents/manual/config");
        Assert.Equal("agents-file", fileConfig.GetProperty("source").GetString());
        var config = await Api.PutJsonAsync(fixture.Http, "v1/agents/manual/config", """{"model":"bigger-model","retries":3}""");
        Assert.Equal("cfg-v1", config.GetProperty("configVersion").GetString());
        Assert.Equal("cfg-v2", (await Api.PutJsonAsync(fixture.Http, "v1/agents/manual/config", """{"model":"bigger-model","retries":4}""")).GetProperty("configVersion").GetString());

        using (var del = await fixture.Http.DeleteAsync("v1/agents/manual/secrets/OTHER"))
        {
            Assert.Equal(HttpStatusCode.NoContent, del.StatusCode);
        }

        using (var again = await fixture.Http.DeleteAsync("v1/agents/manual/secrets/OTHER"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        foreach (var (path, field) in new[] { ("v1/agents/manual/secrets/bad%20name", "name"), ("v1/agents/manual/secrets/OK", "value") })
        {
            using var bad = await fixture.Http.PutAsync(path, Api.Json("""{"value":1}"""));
            await Api.AssertInvalidAsync(bad, field);
        }

        using (var unknown = await fixture.Http.PutAsync("v1/agents/nobody/config", Api.Json("{}")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var (taskId, _) = await fixture.CreateTaskWithStepAsync();
        var launched = await fixture.WaitForLaunchAsync(taskId);
        await using var runtime = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token);
        var attach = await runtime.AttachAsync(launched.RunId, launched.AttemptId);
        Assert.Equal("cfg-v2", attach.GetProperty("result").GetProperty("configVersion").GetString());
        var connectionId = attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString();
        var secrets = (await runtime.RequestAsync("runtime.connection.secrets.get.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = launched.RunId }))
            .GetProperty("result").GetProperty("secrets");
        Assert.Equal("hunter2-admin-set", secrets.GetProperty("DB_PASSWORD").GetString());
        Assert.Equal("sk-test-123", secrets.GetProperty("API_KEY").GetString());
        Assert.False(secrets.TryGetProperty("OTHER", out _));
        var got = (await runtime.RequestAsync("runtime.connection.config.get.command", new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = launched.RunId }))
            .GetProperty("result").GetProperty("config");
        Assert.Equal(4, got.GetProperty("retries").GetInt32());

        // Admin-set secrets survive a restart (the agents file only adds its own).
        await fixture.Host.RestartAsync();
        using var http = fixture.Host.CreateClient();
        var afterRestart = await Api.GetJsonAsync(http, "v1/agents/manual/secrets");
        Assert.Contains(afterRestart.GetProperty("secrets").EnumerateArray(), s => s.GetProperty("name").GetString() == "DB_PASSWORD");
    }

    /// <summary>The audit log's answer to <paramref name="query"/> once it shows what the test waits for (entries ride in
    /// the writer's next commit, just after the answers they record).</summary>
    private static Task<JsonElement> AuditAsync(HttpClient admin, string query, Func<JsonElement, bool> until, string what) =>
        Wait.UntilAsync(() => Api.GetJsonAsync(admin, $"v1/audit?{query}"), until, TimeSpan.FromSeconds(10), what);

    private static HttpClient AdminClient(ServiceHost host) =>
        Client(host, File.ReadAllText(Path.Combine(host.DataDir, "admin.key")).Trim());

    private static HttpClient Client(ServiceHost host, string key)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
