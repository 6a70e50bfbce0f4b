using System.Net;
using System.Text;
using System.Text.Json;
using AgentService.Protocol.Gateway;

namespace AgentService.Client.Tests;

public sealed class GatewayClientTests
{
    private sealed class RecordingHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string Uri, string? Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request.Method, request.RequestUri!.AbsoluteUri, content));
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    private static (GatewayClient Client, RecordingHandler Handler) Create(HttpStatusCode status, string body)
    {
        var handler = new RecordingHandler(status, body);
        return (new GatewayClient(new HttpClient(handler) { BaseAddress = new Uri("http://svc.test/") }), handler);
    }

    [Fact]
    public async Task Send_PostsTheReferenceShapeAndReadsTheAnswer()
    {
        var (client, handler) = Create(HttpStatusCode.Accepted, """{"message_id":"msg_1","conversation_id":"conv_1","status":"queued"}""");
        using var data = JsonDocument.Parse("""{"k":[1]}""");

        var sent = await client.SendAsync(new SendMessageRequest
        {
            FromAgentId = "a",
            ToAgentId = "b",
            Content = [ContentPart.FromText("Hello"), ContentPart.FromData(data.RootElement), ContentPart.FromArtifact("run_1", "art_1")],
            Delivery = DeliveryModes.Queued,
        });

        Assert.Equal("queued", sent.Status);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://svc.test/gateway/send", request.Uri);
        Assert.Equal(
            """{"from_agent_id":"a","to_agent_id":"b","content":[{"type":"text","text":"Hello"},{"type":"data","data":{"k":[1]}},{"type":"file","file":{"task_id":"run_1","artifact_id":"art_1"}}],"delivery":"queued"}""",
            request.Body);
    }

    [Fact]
    public async Task ListAgents_SendsTheFilters()
    {
        var (client, handler) = Create(HttpStatusCode.OK,
            """{"agents":[{"agent_id":"a","agent_name":"A","agent_type":"t","capabilities":["x"],"status":"online","last_heartbeat":"2026-03-05T12:00:00Z"}],"total":1}""");

        var list = await client.ListAgentsAsync("analyst type", onlineOnly: false);

        Assert.Equal("http://svc.test/gateway/agents?online_only=false&agent_type=analyst%20type", Assert.Single(handler.Requests).Uri);
        Assert.Equal(new DateTimeOffset(2026, 3, 5, 12, 0, 0, TimeSpan.Zero), Assert.Single(list.Agents).LastHeartbeat);
    }

    [Fact]
    public async Task ErrorAnswer_ThrowsWithTheDetail()
    {
        var (client, _) = Create(HttpStatusCode.BadGateway, """{"detail":"Webhook push to agent 'b' failed: HTTP 500","message_id":"msg_1"}""");

        var error = await Assert.ThrowsAsync<AgentServiceClientException>(() => client.HeartbeatAsync("b"));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal("Webhook push to agent 'b' failed: HTTP 500", error.Message);
    }

    [Fact]
    public async Task ErrorAnswerOfAnotherShape_ThrowsWithTheStatus()
    {
        var (client, _) = Create(HttpStatusCode.NotFound, "<html>nope</html>");

        var error = await Assert.ThrowsAsync<AgentServiceClientException>(() => client.GetStatusAsync("x"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("404", error.Message);
    }
}
