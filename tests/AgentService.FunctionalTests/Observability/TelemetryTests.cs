using System.Text.Json;
using AgentService.FunctionalTests.Gateway;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Observability;

/// <summary>
/// With an OTLP endpoint set, the server exports its spans and metrics to a real OTLP/HTTP receiver: the request's span
/// is a child of the client's, what the request starts (the run's deliveries, the runtime's events, the webhook push)
/// hangs below it in the same trace, and the service's instruments and ASP.NET Core's arrive as metrics.
/// </summary>
public sealed class TelemetryTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const int ServerSpanKind = 2; // OTLP SPAN_KIND_SERVER

    [Fact]
    public async Task SpansAndMetrics_ReachTheCollector_InTheClientsTrace()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using var receiver = await WebhookReceiver.StartNewAsync();
        await using var server = await ServerProcess.StartAsync(
            "--AgentService:DefaultAgent=process", // the EchoAgent runtime process, so the trace crosses the protocol
            "--AgentService:Telemetry:OtlpEndpoint", collector.Endpoint.ToString(),
            "--AgentService:Telemetry:ExportIntervalMs", "200",
            "--AgentService:Telemetry:ServiceName", "agentservice-test");
        using var http = server.CreateClient();

        var taskId = (await Send(http, "ap/v1/agent/tasks", """{"input":"traced"}""", "00-" + TraceId + "-00f067aa0ba90201-01")).GetProperty("task_id").GetString()!;
        var step = await Send(http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"traced step"}""", "00-" + TraceId + "-00f067aa0ba90202-01");
        Assert.Equal("completed", step.GetProperty("status").GetString());

        // The step's request span is the client's span's child; the runtime's events carry it as their parent, and
        // storing them is a span below it.
        var stepSpan = await SpanAsync(collector, s => s.Name == "POST /ap/v1/agent/tasks/{task_id}/steps", "the step request's span");
        Assert.Equal("00f067aa0ba90202", stepSpan.ParentSpanId);
        Assert.Equal(ServerSpanKind, stepSpan.Kind);
        Assert.Equal("200", stepSpan.Attributes["http.response.status_code"]);
        Assert.Equal("agentservice-test", stepSpan.Resource["service.name"]);
        Assert.False(string.IsNullOrEmpty(stepSpan.Resource["service.instance.id"]));
        var taskSpan = await SpanAsync(collector, s => s.Name == "POST /ap/v1/agent/tasks", "the task request's span");
        Assert.Equal("00f067aa0ba90201", taskSpan.ParentSpanId);

        // No span carries a request's raw path or query: they may hold a credential (DELETE /v1/keys/{key}, ?token=).
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"ap/v1/agent/tasks/{taskId}?token=s3cret-in-a-query"))
        {
            request.Headers.Add("traceparent", "00-" + TraceId + "-00f067aa0ba90204-01");
            using var response = await http.SendAsync(request);
        }

        var getSpan = await SpanAsync(collector, s => s.ParentSpanId == "00f067aa0ba90204", "the GET's span");
        Assert.Equal("GET /ap/v1/agent/tasks/{task_id}", getSpan.Name);
        Assert.DoesNotContain(getSpan.Attributes, a => a.Value.Contains("s3cret", StringComparison.Ordinal) || a.Value.Contains(taskId, StringComparison.Ordinal));

        var events = (await Api.GetJsonAsync(http, $"v1/runs/{taskId}/events?limit=100")).GetProperty("events").EnumerateArray().ToList();
        var stepEvents = events.Where(e => e.GetProperty("type").GetString() == "step.finished" && e.GetProperty("data").GetProperty("stepId").GetString() == step.GetProperty("step_id").GetString()).ToList();
        Assert.Equal(stepSpan.Traceparent, Assert.Single(stepEvents).GetProperty("traceparent").GetString());
        await SpanAsync(collector, s => s.Name == "ingest events" && s.ParentSpanId == stepSpan.SpanId, "the span storing the step's events");

        // The webhook push is a client span below the send, and the receiver gets that span as its traceparent.
        await GatewayCalls.RegisterAsync(http, "traced-receiver", receiver.Url);
        await Send(http, "gateway/send", GatewayCalls.Text("traced-sender", "traced-receiver", "hello"), "00-" + TraceId + "-00f067aa0ba90203-01");
        var sendSpan = await SpanAsync(collector, s => s.Name == "POST /gateway/send", "the send's span");
        var push = await SpanAsync(collector, s => s.Name == "webhook push" && s.ParentSpanId == sendSpan.SpanId, "the push's span");
        Assert.Equal(push.Traceparent, Assert.Single(receiver.Requests).Traceparent);

        // A failed push's span says how it failed, not what the receiver wrote back (third-party text).
        receiver.Respond = (_, _) => 500;
        using (var failing = new HttpRequestMessage(HttpMethod.Post, "gateway/send") { Content = Api.Json(GatewayCalls.Text("traced-sender", "traced-receiver", "fails")) })
        {
            failing.Headers.Add("traceparent", "00-" + TraceId + "-00f067aa0ba90205-01");
            using var response = await http.SendAsync(failing);
            Assert.Equal(System.Net.HttpStatusCode.BadGateway, response.StatusCode);
        }

        var failedSend = await SpanAsync(collector, s => s.Name == "POST /gateway/send" && s.ParentSpanId == "00f067aa0ba90205", "the failed send's span");
        var failedPush = await SpanAsync(collector, s => s.Name == "webhook push" && s.ParentSpanId == failedSend.SpanId, "the failed push's span");
        Assert.Equal(2, failedPush.StatusCode); // STATUS_CODE_ERROR
        Assert.Equal("the webhook answered HTTP 500 Internal Server Error", failedPush.StatusMessage);

        // Metrics: the service's own instruments and ASP.NET Core's.
        (string Metric, double AtLeast)[] expected =
        [
            ("agentservice.steps.completed", 1), ("agentservice.runtime.launches", 1), ("agentservice.deliveries.sent", 1), ("agentservice.events.ingested", 2),
            ("agentservice.runtime.connections", 1), ("agentservice.gateway.pushes", 1), ("agentservice.gateway.push.duration", 1),
            ("agentservice.store.commit.duration", 1), ("agentservice.store.commit.writes", 1), ("http.server.request.duration", 1),
        ];
        await Wait.UntilAsync(
            () => Task.FromResult(string.Join(", ", expected.Where(m => !collector.Points.Any(p => p.Metric == m.Metric && p.Value >= m.AtLeast)).Select(m => m.Metric))),
            missing => missing.Length == 0, TimeSpan.FromSeconds(30), "the metrics to be exported (the last value lists those missing)");
        Assert.Contains(collector.Points, p => p.Metric == "agentservice.deliveries.sent" && p.Attributes["agentservice.delivery_kind"] == "step.input");
        Assert.Contains(collector.Points, p => p.Metric == "http.server.request.duration" && p.Attributes.GetValueOrDefault("http.route") == "/ap/v1/agent/tasks/{task_id}/steps");
        var delivered = collector.Points.Last(p => p.Metric == "agentservice.gateway.pushes" && p.Attributes["outcome"] == "delivered");
        Assert.Equal("agentservice-test", delivered.Resource["service.name"]);
        await Wait.UntilAsync(() => Task.FromResult(collector.Points.Any(p => p.Metric == "agentservice.gateway.pushes" && p.Attributes["outcome"] == "failed")),
            found => found, TimeSpan.FromSeconds(30), "the failed push to be counted");
    }

    [Fact]
    public async Task WithoutAnEndpoint_TheClientsTraceparentIsPassedOnAsIs()
    {
        await using var server = await ServerProcess.StartAsync("--AgentService:DefaultAgent=process");
        using var http = server.CreateClient();
        const string Traceparent = "00-" + TraceId + "-00f067aa0ba90209-01";
        var taskId = (await Send(http, "ap/v1/agent/tasks", """{"input":"untraced"}""", Traceparent)).GetProperty("task_id").GetString()!;
        Assert.Equal(Traceparent, (await Api.GetJsonAsync(http, $"v1/runs/{taskId}")).GetProperty("traceparent").GetString());
    }

    private static async Task<JsonElement> Send(HttpClient http, string path, string json, string traceparent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Api.Json(json) };
        request.Headers.Add("traceparent", traceparent);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<CollectedSpan> SpanAsync(OtlpCollector collector, Func<CollectedSpan, bool> match, string what) =>
        (await Wait.UntilAsync(() => Task.FromResult(collector.Spans.FirstOrDefault(s => s.TraceId == TraceId && match(s))), s => s is not null, TimeSpan.FromSeconds(30), what))!;
}
