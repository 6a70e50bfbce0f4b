using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentService.Client.Tests;

public sealed class AgentProtocolClientTests
{
    private sealed class RecordingHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string Uri, string? Body, string? Prefer)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request.Method, request.RequestUri!.AbsoluteUri, content,
                request.Headers.TryGetValues("Prefer", out var prefer) ? prefer.Single() : null));
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    private static (AgentProtocolClient Client, RecordingHandler Handler) Create(HttpStatusCode status, string body, string? agent = null)
    {
        var handler = new RecordingHandler(status, body);
        var http = new HttpClient(handler) { BaseAddress = new Uri("http://svc.test/") };
        return (new AgentProtocolClient(http, agent), handler);
    }

    [Fact]
    public async Task ExecuteStep_PostsTheBodyToTheAgentRouteWithTheWaitPreference()
    {
        var (client, handler) = Create(HttpStatusCode.OK, """{"task_id":"run_a","step_id":"stp_b","status":"completed","output":"hi","artifacts":[],"is_last":true}""", agent: "my agent");
        using var extra = JsonDocument.Parse("""{"k":[1]}""");

        var step = await client.ExecuteStepAsync("run_a", "hi", extra.RootElement, waitSeconds: 2.5);

        Assert.Equal("hi", step.Output);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://svc.test/agents/my%20agent/ap/v1/agent/tasks/run_a/steps", request.Uri);
        Assert.Equal("""{"input":"hi","additional_input":{"k":[1]}}""", request.Body);
        Assert.Equal("wait=2.5", request.Prefer);
    }

    [Fact]
    public async Task ListTasks_SendsPagingOnlyWhenGiven()
    {
        var (client, handler) = Create(HttpStatusCode.OK, """{"tasks":[],"pagination":{"total_items":0,"total_pages":0,"current_page":2,"page_size":5}}""");

        await client.ListTasksAsync();
        await client.ListTasksAsync(2, 5);

        Assert.Equal("http://svc.test/ap/v1/agent/tasks", handler.Requests[0].Uri);
        Assert.Equal("http://svc.test/ap/v1/agent/tasks?current_page=2&page_size=5", handler.Requests[1].Uri);
    }

    [Fact]
    public async Task ErrorAnswers_BecomeExceptionsWithStatusMessageAndFields()
    {
        var (client, _) = Create(HttpStatusCode.UnprocessableEntity, """{"message":"Invalid 'page_size'","errors":[{"field":"page_size","message":"too big"}]}""");

        var error = await Assert.ThrowsAsync<AgentServiceClientException>(() => client.ListTasksAsync(1, 1000));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.StatusCode);
        Assert.Equal("Invalid 'page_size'", error.Message);
        Assert.Equal("page_size", Assert.Single(error.FieldErrors).Field);
    }

    [Fact]
    public async Task ErrorAnswersInAnotherShape_StillReportTheStatus()
    {
        var (client, _) = Create(HttpStatusCode.BadGateway, "<html>proxy error</html>");

        var error = await Assert.ThrowsAsync<AgentServiceClientException>(() => client.GetTaskAsync("run_a"));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Contains("502", error.Message);
    }
}
