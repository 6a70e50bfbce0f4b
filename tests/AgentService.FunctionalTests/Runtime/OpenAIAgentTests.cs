using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>The OpenAIAgent sample launched by the real server as a runtime, calling a loopback OpenAI-compatible
/// provider that streams recorded Responses events: the Agent Protocol step gets the model's text, and the run's
/// event log holds the stream as our events, with the provider's ids in providerRef.</summary>
public sealed class OpenAIAgentTests
{
    private const string Prefix = "agents/openai/ap/v1/agent";

    private static string Recording(string name) => Path.Combine(RepoPaths.Root, "tests", "AgentService.Runtime.Tests", "Recordings", name);

    private static string AgentJson(Uri baseUrl)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepoPaths.Root, "samples", "OpenAIAgent", "bin", configuration, "net10.0", "OpenAIAgent.dll");
        Assert.True(File.Exists(dll), $"build the sample first: {dll}");
        return JsonSerializer.Serialize(new
        {
            id = "openai",
            config = new { baseUrl = baseUrl.ToString(), model = "gpt-4.1", instructions = "Answer briefly." },
            secrets = new { OPENAI_API_KEY = "sk-fake-0123456789" },
            runtime = new { command = "dotnet", args = new[] { dll } },
        });
    }

    private static async Task<List<JsonElement>> EventsAsync(HttpClient http, string runId) =>
        [.. (await Api.GetJsonAsync(http, $"v1/runs/{runId}/events?limit=500")).GetProperty("events").EnumerateArray()];

    [Fact]
    public async Task Step_IsAnsweredWithTheStreamedText_AndTheEventLogHoldsTheMappedEvents()
    {
        await using var provider = await FakeOpenAIProvider.StartAsync(Recording("openai-responses-text.sse"));
        await using var fixture = await RuntimeFixture.StartAsync(AgentJson(provider.BaseUrl));
        var taskId = await Api.CreateTaskAsync(fixture.Http, "a chat", Prefix);

        var first = await Api.PostJsonAsync(fixture.Http, $"{Prefix}/tasks/{taskId}/steps", """{"input":"Say hello"}""");
        var second = await Api.PostJsonAsync(fixture.Http, $"{Prefix}/tasks/{taskId}/steps", """{"input":"Again"}""");

        Assert.Equal(("completed", "Hello from the model.", "openai"), (first.GetProperty("status").GetString(), first.GetProperty("output").GetString(), first.GetProperty("name").GetString()));
        Assert.Equal("Hello from the model.", second.GetProperty("output").GetString());

        // The provider saw the configured model, key and instructions, and the second call carries the conversation.
        var requests = provider.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal(("/v1/responses", "Bearer sk-fake-0123456789"), (r.Path, r.Authorization)));
        using var body = JsonDocument.Parse(requests[1].Body);
        Assert.Equal(("gpt-4.1", "Answer briefly.", true), (body.RootElement.GetProperty("model").GetString(), body.RootElement.GetProperty("instructions").GetString(), body.RootElement.GetProperty("stream").GetBoolean()));
        Assert.Equal(
            ["user:Say hello", "assistant:Hello from the model.", "user:Again"],
            body.RootElement.GetProperty("input").EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()}:{m.GetProperty("content").GetString()}"));

        // Between the Agent Protocol step's start and finish: the model-call step, mapped from the stream.
        var apStep = first.GetProperty("step_id").GetString()!;
        var events = await EventsAsync(fixture.Http, taskId);
        var start = events.FindIndex(e => e.GetProperty("type").GetString() == "step.started" && e.GetProperty("data").GetProperty("stepId").GetString() == apStep);
        var end = events.FindIndex(e => e.GetProperty("type").GetString() == "step.finished" && e.GetProperty("data").GetProperty("stepId").GetString() == apStep);
        var call = events[(start + 1)..end];
        // The three text deltas streamed live and were compacted once message.completed was stored: their three
        // positions are the gap between message.started and message.completed.
        Assert.Equal(
            ["step.started", "message.started", "message.completed", "step.finished"],
            call.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(4, call[2].GetProperty("position").GetInt64() - call[1].GetProperty("position").GetInt64());
        var modelStep = call[0].GetProperty("data");
        Assert.Equal(("model_call", apStep, "openai.responses", "gpt-4.1-2025-04-14"), (modelStep.GetProperty("kind").GetString(), modelStep.GetProperty("parentStepId").GetString(), modelStep.GetProperty("model").GetProperty("provider").GetString(), modelStep.GetProperty("model").GetProperty("id").GetString()));
        var modelStepId = modelStep.GetProperty("stepId").GetString();
        Assert.All(call, e => Assert.Equal(modelStepId, e.GetProperty("stepid").GetString()));
        var completed = call[2].GetProperty("data");
        Assert.Equal("Hello from the model.", completed.GetProperty("content")[0].GetProperty("text").GetString());
        var messageRef = completed.GetProperty("providerRef");
        Assert.Equal(
            ("openai.responses", "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b", 0),
            (messageRef.GetProperty("provider").GetString(), messageRef.GetProperty("responseId").GetString(), messageRef.GetProperty("itemId").GetString(), messageRef.GetProperty("index").GetInt32()));
        var finished = call[3].GetProperty("data");
        Assert.Equal(("completed", "stop", 37L), (finished.GetProperty("status").GetString(), finished.GetProperty("finishReason").GetProperty("unified").GetString(), finished.GetProperty("usage").GetProperty("inputTokens").GetProperty("total").GetInt64()));
        Assert.Equal("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", finished.GetProperty("providerRef").GetProperty("responseId").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task FailedResponse_FailsTheStepWithTheModelsError_AndLogsTheFailedModelCall()
    {
        await using var provider = await FakeOpenAIProvider.StartAsync(Recording("openai-responses-failed.sse"));
        await using var fixture = await RuntimeFixture.StartAsync(AgentJson(provider.BaseUrl));
        var taskId = await Api.CreateTaskAsync(fixture.Http, "a chat", Prefix);

        var step = await Api.PostJsonAsync(fixture.Http, $"{Prefix}/tasks/{taskId}/steps", """{"input":"Say hello"}""");

        var error = step.GetProperty("additional_output").GetProperty("error");
        Assert.Equal("step_failed", error.GetProperty("code").GetString());
        Assert.Contains("model_error", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var events = await EventsAsync(fixture.Http, taskId);
        var modelFinished = events.Single(e => e.GetProperty("type").GetString() == "step.finished" && e.GetProperty("data").TryGetProperty("providerRef", out _)).GetProperty("data");
        Assert.Equal(("failed", "model_error", "server_error"), (modelFinished.GetProperty("status").GetString(), modelFinished.GetProperty("error").GetProperty("code").GetString(), modelFinished.GetProperty("error").GetProperty("providerError").GetProperty("code").GetString()));
        Assert.Equal("incomplete", events.Single(e => e.GetProperty("type").GetString() == "message.completed").GetProperty("data").GetProperty("status").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task ReasoningAndAFunctionCall_AreStoredWithTheProvidersIds()
    {
        await using var provider = await FakeOpenAIProvider.StartAsync(Recording("openai-responses-reasoning-tool.sse"));
        await using var fixture = await RuntimeFixture.StartAsync(AgentJson(provider.BaseUrl));
        var taskId = await Api.CreateTaskAsync(fixture.Http, "weather in Paris?", Prefix);

        var step = await Api.PostJsonAsync(fixture.Http, $"{Prefix}/tasks/{taskId}/steps", "{}");

        Assert.Equal(("completed", ""), (step.GetProperty("status").GetString(), step.GetProperty("output").GetString()));
        using (var body = JsonDocument.Parse(Assert.Single(provider.Requests).Body))
        {
            Assert.Equal("weather in Paris?", body.RootElement.GetProperty("input")[0].GetProperty("content").GetString()); // the task's input
        }

        var events = await EventsAsync(fixture.Http, taskId);
        var types = events.Select(e => e.GetProperty("type").GetString()).ToList();
        // The argument and reasoning deltas were compacted by tool.call.requested and reasoning.completed.
        Assert.DoesNotContain("tool.call.arguments.delta", types);
        Assert.DoesNotContain("reasoning.delta", types);
        var reasoning = events.Single(e => e.GetProperty("type").GetString() == "reasoning.completed").GetProperty("data");
        Assert.Equal("gAAAAABor8Q_enc-example", reasoning.GetProperty("providerMetadata").GetProperty("openai.responses").GetProperty("encryptedContent").GetString());
        var requested = events.Single(e => e.GetProperty("type").GetString() == "tool.call.requested").GetProperty("data");
        Assert.Equal(("get_weather", "Paris", "runtime"), (requested.GetProperty("toolName").GetString(), requested.GetProperty("arguments").GetProperty("city").GetString(), requested.GetProperty("executor").GetString()));
        Assert.Equal(("call_Xk4wPq0ZbJ9mN2sT7uV1yA3c", "fc_68af1c40a8e88193a0c1d2e3f4a5b6c7"), (requested.GetProperty("providerRef").GetProperty("callId").GetString(), requested.GetProperty("providerRef").GetProperty("itemId").GetString()));
        var modelFinished = events.Last(e => e.GetProperty("type").GetString() == "step.finished" && e.GetProperty("data").TryGetProperty("providerRef", out _)).GetProperty("data");
        Assert.Equal(("tool_calls", 128L), (modelFinished.GetProperty("finishReason").GetProperty("unified").GetString(), modelFinished.GetProperty("usage").GetProperty("outputTokens").GetProperty("reasoning").GetInt64()));
        Assert.Empty(fixture.Host.Errors);
    }
}
