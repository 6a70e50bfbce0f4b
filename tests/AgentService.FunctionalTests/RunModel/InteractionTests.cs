using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;
using Microsoft.Extensions.DependencyInjection;

namespace AgentService.FunctionalTests.RunModel;

/// <summary>Human in the loop: interaction.requested puts the run in waiting(interaction); answers over HTTP become
/// interaction.response deliveries and service-recorded interaction.resolved events; expiry resolves by itself.</summary>
public sealed class InteractionTests
{
    private static JsonObject Approval(string id) => new() { ["interactionId"] = id, ["kind"] = "approval", ["prompt"] = "Delete the file?" };

    private static JsonObject Input(string id) => new()
    {
        ["interactionId"] = id,
        ["kind"] = "input",
        ["prompt"] = "Who are you?",
        ["responseSchema"] = JsonNode.Parse("""
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}}}
            """),
    };

    private static Task<HttpResponseMessage> RespondAsync(HttpClient http, string runId, string interactionId, string body) =>
        http.PostAsync($"v1/runs/{runId}/interactions/{interactionId}", Api.Json(body));

    [Fact]
    public async Task ParallelInteractions_WaitTheRun_AnswersAreValidatedDeliveredAndResolved_ThenTheRunRunsAgain()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var (approval, input) = (TypeId.New("ixn"), TypeId.New("ixn"));
        await runtime.PublishAsync(("interaction.requested", Approval(approval)), ("interaction.requested", Input(input)));

        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}");
        Assert.Equal("waiting", run.GetProperty("status").GetString());
        var waiting = run.GetProperty("waitingFor")[0];
        Assert.Equal("interaction", waiting.GetProperty("kind").GetString());
        Assert.Equal([approval, input], waiting.GetProperty("refs").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        var since = waiting.GetProperty("since").GetString();

        var list = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions");
        Assert.Equal([approval, input], list.GetProperty("interactions").EnumerateArray().Select(i => i.GetProperty("interactionId").GetString()));
        Assert.All(list.GetProperty("interactions").EnumerateArray(), i => Assert.Equal("pending", i.GetProperty("status").GetString()));
        var fullPage = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions?limit=2");
        Assert.False(fullPage.GetProperty("more").GetBoolean());
        Assert.True((await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions?limit=1")).GetProperty("more").GetBoolean());

        // Bad answers change nothing: schema violations name the pointer; wrong actions and members are 422; unknown or malformed ids 404.
        var invalid = await RespondAsync(fixture.Http, runtime.RunId, input, """{"action": "answer", "response": {"name": "Ada", "age": "three"}}""");
        await Api.AssertInvalidAsync(invalid, "response/age");
        await Api.AssertInvalidAsync(await RespondAsync(fixture.Http, runtime.RunId, input, """{"action": "answer", "response": {}}"""), "response");
        await Api.AssertInvalidAsync(await RespondAsync(fixture.Http, runtime.RunId, input, """{"action": "approve"}"""), "action");
        await Api.AssertInvalidAsync(await RespondAsync(fixture.Http, runtime.RunId, approval, """{"action": "answer", "response": 1}"""), "action");
        await Api.AssertInvalidAsync(await RespondAsync(fixture.Http, runtime.RunId, approval, """{"action": "approve", "response": 1}"""), "response");
        await Api.AssertInvalidAsync(await RespondAsync(fixture.Http, runtime.RunId, approval, """{"action": "maybe"}"""), "action");
        await Api.AssertInvalidAsync(await RespondAsync(fixture.Http, runtime.RunId, approval, """{"action": "approve", "extra": 1}"""), "extra");
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, runtime.RunId, "ixn_bad", """{"action": "approve"}"""), HttpStatusCode.NotFound);
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, "run_bad", approval, """{"action": "approve"}"""), HttpStatusCode.NotFound);
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, runtime.RunId, TypeId.New("ixn"), """{"action": "approve"}"""), HttpStatusCode.NotFound);
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, TypeId.New("run"), approval, """{"action": "approve"}"""), HttpStatusCode.NotFound);
        Assert.False(runtime.Socket.TryNextDelivery(out _));

        // Approving one keeps the run waiting for the other; the runtime gets the response as its next input.
        // The answer carries the answering request's trace to the runtime and into the log.
        const string AnswerTrace = "00-99999999999999999999999999999999-8888888888888888-01";
        using var answer = new HttpRequestMessage(HttpMethod.Post, $"v1/runs/{runtime.RunId}/interactions/{approval}") { Content = Api.Json("""{"action": "approve", "reason": "fine"}""") };
        answer.Headers.Add("traceparent", AnswerTrace);
        var approved = await Api.ReadJsonAsync(await fixture.Http.SendAsync(answer), HttpStatusCode.OK);
        Assert.Equal("approved", approved.GetProperty("interaction").GetProperty("outcome").GetString());
        var (requestId, delivery) = await runtime.Socket.NextDeliveryAsync();
        Assert.Equal("interaction.response", delivery.GetProperty("kind").GetString());
        Assert.Equal(AnswerTrace, delivery.GetProperty("traceparent").GetString());
        var resolvedEvent = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/events?limit=100")).GetProperty("events").EnumerateArray()
            .Last(e => e.GetProperty("type").GetString() == "interaction.resolved");
        Assert.Equal(AnswerTrace, resolvedEvent.GetProperty("traceparent").GetString());
        Assert.Equal(3, delivery.GetProperty("sequence").GetInt64());
        Assert.Equal(approval, delivery.GetProperty("payload").GetProperty("interactionId").GetString());
        Assert.Equal("approved", delivery.GetProperty("payload").GetProperty("outcome").GetString());
        Assert.Equal(approved.GetProperty("deliveryId").GetString(), delivery.GetProperty("deliveryId").GetString());
        await runtime.Socket.AcknowledgeAsync(requestId);
        run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}");
        Assert.Equal("waiting", run.GetProperty("status").GetString());
        Assert.Equal([input], run.GetProperty("waitingFor")[0].GetProperty("refs").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(since, run.GetProperty("waitingFor")[0].GetProperty("since").GetString()); // still the same wait
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, runtime.RunId, approval, """{"action": "deny"}"""), HttpStatusCode.Conflict);

        // A valid answer resolves the last one: the run is running again.
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, runtime.RunId, input, """{"action": "answer", "response": {"name": "Ada", "age": 36}}"""), HttpStatusCode.OK);
        (_, delivery) = await runtime.Socket.NextDeliveryAsync();
        Assert.Equal("submitted", delivery.GetProperty("payload").GetProperty("outcome").GetString());
        Assert.Equal("Ada", delivery.GetProperty("payload").GetProperty("response").GetProperty("name").GetString());
        run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}");
        Assert.Equal("running", run.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("waitingFor").ValueKind);

        list = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions");
        var resolved = list.GetProperty("interactions").EnumerateArray().ToList();
        Assert.All(resolved, i => Assert.Equal("resolved", i.GetProperty("status").GetString()));
        Assert.Equal("fine", resolved[0].GetProperty("reason").GetString());
        Assert.Equal(36, resolved[1].GetProperty("response").GetProperty("age").GetInt32());

        // The log tells the same story, in schema-valid service events.
        var events = await runtime.EventsAsync();
        var service = events.Where(e => e.GetProperty("source").GetString() == $"/runs/{runtime.RunId}/service").ToList();
        Assert.Equal(["run.status.changed", "interaction.resolved", "interaction.resolved", "run.status.changed"], service.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([1L, 2L, 3L, 4L], service.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal("running", service[3].GetProperty("data").GetProperty("status").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task TheRuntimesOwnStatus_KeepsThePendingInteractionsWait_AndTheRunsEndClosesThemInTheLog()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var pending = TypeId.New("ixn");
        await runtime.PublishAsync(("interaction.requested", Approval(pending)));
        var since = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}")).GetProperty("waitingFor")[0].GetProperty("since").GetString();

        // The runtime's reasons join the service's; saying it runs does not end the wait on the approval.
        await runtime.PublishAsync(("run.status.changed", new JsonObject
        {
            ["status"] = "waiting",
            ["waitingFor"] = new JsonArray(new JsonObject { ["kind"] = "external", ["detail"] = "hook" }),
        }));
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}");
        Assert.Equal("waiting", run.GetProperty("status").GetString());
        Assert.Equal(["external", "interaction"], run.GetProperty("waitingFor").EnumerateArray().Select(r => r.GetProperty("kind").GetString()));
        Assert.Equal(since, run.GetProperty("waitingFor")[1].GetProperty("since").GetString());
        await runtime.PublishAsync(("run.status.changed", new JsonObject { ["status"] = "running" }));
        run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}");
        Assert.Equal("waiting", run.GetProperty("status").GetString());
        var reason = Assert.Single(run.GetProperty("waitingFor").EnumerateArray());
        Assert.Equal([pending], reason.GetProperty("refs").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(since, reason.GetProperty("since").GetString());

        // A resolution of something never asked is refused (nothing stored).
        var stray = await runtime.PublishRefusedAsync("interaction.resolved", new JsonObject
        {
            ["interactionId"] = TypeId.New("ixn"),
            ["outcome"] = "denied",
            ["resolvedBy"] = new JsonObject { ["type"] = "agent" },
        });
        Assert.Equal(-32602, stray.GetProperty("code").GetInt32());

        // The run ends with the approval pending: it closes as cancelled, and the log says so before run.finished.
        await runtime.PublishAsync(("run.finished", new JsonObject { ["status"] = "completed" }));
        var interaction = Assert.Single((await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions")).GetProperty("interactions").EnumerateArray());
        Assert.Equal("cancelled", interaction.GetProperty("outcome").GetString());
        var events = await runtime.EventsAsync();
        var closed = Assert.Single(events, e => e.GetProperty("type").GetString() == "interaction.resolved");
        Assert.Equal(pending, closed.GetProperty("data").GetProperty("interactionId").GetString());
        Assert.Equal("cancelled", closed.GetProperty("data").GetProperty("outcome").GetString());
        Assert.Equal($"/runs/{runtime.RunId}/service", closed.GetProperty("source").GetString());
        Assert.Equal("run.finished", events[^1].GetProperty("type").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task ExpiredInteraction_ResolvesItselfWithItsDefaultOutcome()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await RuntimeFixture.StartConfiguredAsync(b => b.Services.AddSingleton<TimeProvider>(clock));
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var (expiring, kept) = (TypeId.New("ixn"), TypeId.New("ixn"));
        var expiresAt = clock.GetUtcNow().AddSeconds(20).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var request = Approval(expiring);
        request["expiresAt"] = expiresAt;
        request["onExpiry"] = "deny";
        await runtime.PublishAsync(("interaction.requested", request), ("interaction.requested", Approval(kept)));

        await Task.Delay(600); // Sweeps run (0.2 s) and find nothing before the expiry.
        Assert.All((await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions")).GetProperty("interactions").EnumerateArray(),
            i => Assert.Equal("pending", i.GetProperty("status").GetString()));

        // Past the expiry, still inside the runtime's lease (30 s + 15 s grace), which does not heartbeat here. An answer
        // from now on is refused, even before the sweep has closed the interaction.
        clock.Advance(TimeSpan.FromSeconds(25));
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, runtime.RunId, expiring, """{"action": "approve"}"""), HttpStatusCode.Conflict);
        var (_, delivery) = await runtime.Socket.NextDeliveryAsync();
        Assert.Equal(expiring, delivery.GetProperty("payload").GetProperty("interactionId").GetString());
        Assert.Equal("denied", delivery.GetProperty("payload").GetProperty("outcome").GetString());
        var list = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions")).GetProperty("interactions").EnumerateArray().ToList();
        Assert.Equal("expired", list[0].GetProperty("outcome").GetString());
        Assert.Equal("timeout", list[0].GetProperty("resolvedBy").GetProperty("type").GetString());
        Assert.Equal("pending", list[1].GetProperty("status").GetString());
        var run = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}");
        Assert.Equal("waiting", run.GetProperty("status").GetString());
        Assert.Contains(await runtime.EventsAsync(), e => e.GetProperty("type").GetString() == "interaction.resolved"
            && e.GetProperty("data").GetProperty("outcome").GetString() == "expired");
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task ChoiceAnswer_MustBeAChoiceId_AndABadResponseSchemaIsRefusedOnTheWire()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var choice = TypeId.New("ixn");
        await runtime.PublishAsync(("interaction.requested", new JsonObject
        {
            ["interactionId"] = choice,
            ["kind"] = "choice",
            ["prompt"] = "Which?",
            ["blocking"] = false,
            ["choices"] = new JsonArray(new JsonObject { ["id"] = "a", ["label"] = "A" }, new JsonObject { ["id"] = "b", ["label"] = "B" }),
        }));
        Assert.Equal("running", (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}")).GetProperty("status").GetString());
        await Api.AssertInvalidAsync(await RespondAsync(fixture.Http, runtime.RunId, choice, """{"action": "answer", "response": "c"}"""), "response");
        await Api.ReadJsonAsync(await RespondAsync(fixture.Http, runtime.RunId, choice, """{"action": "answer", "response": "b"}"""), HttpStatusCode.OK);

        var bad = Input(TypeId.New("ixn"));
        bad["responseSchema"] = new JsonObject { ["type"] = "no-such-type" };
        var error = await runtime.PublishRefusedAsync("interaction.requested", bad);
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());

        // An interaction id is requested once: a second request with it (another kind, even) is refused, not logged.
        var reused = Input(choice);
        var duplicate = await runtime.PublishRefusedAsync("interaction.requested", reused);
        Assert.Equal(-32602, duplicate.GetProperty("code").GetInt32());
        Assert.Contains("already requested", duplicate.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(await runtime.EventsAsync(), e => e.GetProperty("type").GetString() == "interaction.requested");
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task WithApiKeys_OnlyAKeyGrantedTheAgentAnswers_AndTheAnswerNamesTheKey()
    {
        await using var fixture = await RuntimeFixture.StartAsync("", "--auth", "apikey");
        var admin = (await File.ReadAllTextAsync(Path.Combine(fixture.Host.DataDir, "admin.key"))).Trim();
        fixture.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin);
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var approval = TypeId.New("ixn");
        await runtime.PublishAsync(("interaction.requested", Approval(approval)));

        var granted = await Security.AuthMatrixTests.CreateKeyAsync(fixture.Http, "client", "workers");
        var other = await Security.AuthMatrixTests.CreateKeyAsync(fixture.Http, "client", "manual");
        using var outsider = fixture.Host.CreateClient();
        outsider.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", other);
        // A key not granted the agent cannot tell the run exists: 404, as for an unknown run.
        await Api.ReadJsonAsync(await RespondAsync(outsider, runtime.RunId, approval, """{"action": "approve"}"""), HttpStatusCode.NotFound);

        using var client = fixture.Host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", granted);
        await Api.ReadJsonAsync(await RespondAsync(client, runtime.RunId, approval, """{"action": "approve"}"""), HttpStatusCode.OK);
        var resolved = (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/interactions")).GetProperty("interactions")[0];
        Assert.Equal("user", resolved.GetProperty("resolvedBy").GetProperty("type").GetString());
        Assert.Equal($"key:{Security.AuthMatrixTests.ApiKeyId(granted)}", resolved.GetProperty("resolvedBy").GetProperty("id").GetString());
    }
}
