using System.Net;
using System.Text.Json;
using AgentService.Client;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Gateway;

public sealed class GatewaySendTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private HttpClient _http = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        // A short webhook timeout, so the timeout test is quick.
        _host = await ServiceHost.StartAsync(null, "--AgentService:Gateway:WebhookTimeout=00:00:00.500");
        _http = _host.CreateClient();
        _receiver = await WebhookReceiver.StartNewAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _receiver.DisposeAsync();
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Send_ToOnlineAgent_PushesTheDocumentedBodyAndAnswersSent()
    {
        await GatewayCalls.RegisterAsync(_http, "receiver-001", _receiver.Url);

        var sent = await GatewayCalls.SendAsync(_http, GatewayCalls.Text("sender-001", "receiver-001", "Hello", "conv-abc-123"));

        Assert.Equal(["conversation_id", "message_id", "status"], Api.PropertyNames(sent));
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.Equal("conv-abc-123", sent.GetProperty("conversation_id").GetString());
        var messageId = sent.GetProperty("message_id").GetString()!;
        Assert.StartsWith("msg_", messageId);

        var push = Assert.Single(_receiver.Requests);
        Assert.Equal("/webhook/a2a-messages", push.Path);
        Assert.StartsWith("application/json", push.ContentType);
        using var body = JsonDocument.Parse(push.Body);
        var root = body.RootElement;
        Assert.Equal(["content", "conversation_id", "from_agent_id", "message_id", "metadata", "timestamp"], Api.PropertyNames(root));
        Assert.Equal(messageId, root.GetProperty("message_id").GetString());
        Assert.Equal("conv-abc-123", root.GetProperty("conversation_id").GetString());
        Assert.Equal("sender-001", root.GetProperty("from_agent_id").GetString());
        Assert.Equal("""[{"type":"text","text":"Hello"}]""", root.GetProperty("content").GetRawText());
        Assert.Equal("""{"n":1}""", root.GetProperty("metadata").GetRawText());
        GatewayRegistryTests.AssertRfc3339Utc(root.GetProperty("timestamp").GetString()!);
        Assert.Equal(messageId, push.IdempotencyKey);

        var message = await GatewayCalls.MessageAsync(_http, messageId);
        Assert.Equal("sent", message.GetProperty("status").GetString());
        Assert.Equal(1, message.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("last_error").ValueKind);
        Assert.Equal("receiver-001", message.GetProperty("to_agent_id").GetString());
        Assert.Equal("direct", message.GetProperty("delivery").GetString());
        GatewayRegistryTests.AssertRfc3339Utc(message.GetProperty("delivered_at").GetString()!);
    }

    [Fact]
    public async Task Push_CarriesTheTraceContextOfTheSend_DirectAndQueued()
    {
        await GatewayCalls.RegisterAsync(_http, "traced", _receiver.Url);
        const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        foreach (var delivery in new[] { "direct", "queued" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "gateway/send") { Content = Api.Json(GatewayCalls.Text("traced", "traced", delivery, delivery: delivery)) };
            request.Headers.Add("traceparent", Traceparent);
            using var response = await _http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode);
        }

        var pushes = await Wait.UntilAsync(() => Task.FromResult(_receiver.Requests.ToList()), r => r.Count == 2, TimeSpan.FromSeconds(20), "both pushes");
        Assert.All(pushes, p => Assert.Equal(Traceparent, p.Traceparent));

        // Without one, each push still carries a valid trace context of its own.
        await GatewayCalls.SendAsync(_http, GatewayCalls.Text("traced", "traced", "untraced"));
        var untraced = _receiver.Requests.Last();
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", untraced.Traceparent);
        Assert.NotEqual(Traceparent, untraced.Traceparent);
    }

    [Fact]
    public async Task Push_IsSignedWithTheSecretReturnedAtRegistration()
    {
        var secret = await GatewayCalls.RegisterAsync(_http, "verifier", _receiver.Url);

        await GatewayCalls.SendAsync(_http, GatewayCalls.Text("a", "verifier", "signed"));

        var push = Assert.Single(_receiver.Requests);
        Assert.Matches("^v1=[0-9a-f]{64}$", push.Signature);
        Assert.True(WebhookSignature.Verify(secret, push.Timestamp, push.Body, push.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
        Assert.Equal(WebhookSignatureResult.Mismatch,
            WebhookSignature.Check("whsec_not-the-secret", push.Timestamp, push.Body, push.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
        var tampered = push.Body.ToArray();
        tampered[^2] ^= 1;
        Assert.Equal(WebhookSignatureResult.Mismatch,
            WebhookSignature.Check(secret, push.Timestamp, tampered, push.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
        Assert.Equal(WebhookSignatureResult.OutsideTolerance,
            WebhookSignature.Check(secret, push.Timestamp, push.Body, push.Signature, DateTimeOffset.UtcNow.AddMinutes(10), WebhookSignature.DefaultTolerance));

        // Registering again issues a new secret, and pushes are signed with it from then on.
        var renewed = await GatewayCalls.RegisterAsync(_http, "verifier", _receiver.Url);
        await GatewayCalls.SendAsync(_http, GatewayCalls.Text("a", "verifier", "signed again"));
        var second = _receiver.Requests.Last();
        Assert.True(WebhookSignature.Verify(renewed, second.Timestamp, second.Body, second.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
        Assert.False(WebhookSignature.Verify(secret, second.Timestamp, second.Body, second.Signature, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Send_WithoutConversationId_GeneratesOne(string? conversationId)
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);

        var sent = await GatewayCalls.SendAsync(_http, GatewayCalls.Text("s", "r", "hi", conversationId));

        var generated = sent.GetProperty("conversation_id").GetString()!;
        Assert.StartsWith("conv_", generated);
        using var body = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body);
        Assert.Equal(generated, body.RootElement.GetProperty("conversation_id").GetString());
    }

    [Fact]
    public async Task Send_DataAndFileParts_PushesThemWithTheArtifactResolved()
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        var taskId = await Api.CreateTaskAsync(_http, "holds a file");
        using var upload = await Api.UploadAsync(_http, taskId, "report bytes"u8.ToArray(), "report.txt");
        var artifactId = (await Api.ReadJsonAsync(upload, HttpStatusCode.OK)).GetProperty("artifact_id").GetString()!;

        await GatewayCalls.SendAsync(_http, $$$"""
            {"from_agent_id":"s","to_agent_id":"r","content":[
              {"type":"data","data":{"rows":[1,2,3],"ok":true}},
              {"type":"file","file":{"task_id":"{{{taskId}}}","artifact_id":"{{{artifactId}}}"},"metadata":{"note":"see"}}
            ]}
            """);

        using var body = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body);
        var content = body.RootElement.GetProperty("content");
        Assert.Equal("""{"type":"data","data":{"rows":[1,2,3],"ok":true}}""", content[0].GetRawText());
        var file = content[1].GetProperty("file");
        Assert.Equal(taskId, file.GetProperty("task_id").GetString());
        Assert.Equal(artifactId, file.GetProperty("artifact_id").GetString());
        Assert.Equal("report.txt", file.GetProperty("file_name").GetString());
        Assert.Equal(12, file.GetProperty("size").GetInt64());
        Assert.Equal("see", content[1].GetProperty("metadata").GetProperty("note").GetString());
        Assert.Equal("report bytes", await _http.GetStringAsync(file.GetProperty("uri").GetString()!.TrimStart('/')));
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{bad", "not valid JSON")]
    [InlineData("""{"to_agent_id":"r","content":[{"type":"text","text":"x"}]}""", "from_agent_id")]
    [InlineData("""{"from_agent_id":"s","content":[{"type":"text","text":"x"}]}""", "to_agent_id")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r"}""", "content")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[]}""", "must not be empty")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":"hello"}""", "content")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"image","url":"x"}]}""", "unknown part type 'image'")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"text":"x"}]}""", "content[0].type")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"text","text":""}]}""", "content[0].text")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"data"}]}""", "content[0].data")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"file","file":{"task_id":"run_x"}}]}""", "content[0].file.artifact_id")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"file","file":{"task_id":"run_x","artifact_id":"art_y"}}]}""", "no task 'run_x'")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"text","text":"x"}],"metadata":"m"}""", "metadata")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"text","text":"x"}],"delivery":"later"}""", "delivery")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"text","text":"x"}],"conversation_id":5}""", "conversation_id")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"text","text":"x"}],"conversation_id":"a/b"}""", "URL path segment")]
    [InlineData("""{"from_agent_id":"s","to_agent_id":"r","content":[{"type":"text","text":"x"}],"conversation_id":".."}""", "URL path segment")]
    public async Task Send_MalformedBody_Is400AndStoresAndPushesNothing(string body, string expected)
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);

        await GatewayCalls.PostErrorAsync(_http, "gateway/send", body, HttpStatusCode.BadRequest, expected);

        Assert.Empty(_receiver.Requests);
        await AssertNoMessagesAsync();
    }

    [Fact]
    public async Task Send_ToUnknownAgent_Is404()
    {
        await GatewayCalls.PostErrorAsync(_http, "gateway/send", GatewayCalls.Text("s", "ghost", "hi"), HttpStatusCode.NotFound, "ghost");
        await GatewayCalls.PostErrorAsync(_http, "gateway/send", GatewayCalls.Text("s", "ghost", "hi", delivery: "queued"), HttpStatusCode.NotFound, "ghost");

        await AssertNoMessagesAsync();
    }

    [Fact]
    public async Task Send_ToOfflineAgent_Is404AndPushesNothing()
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        await Api.PostJsonAsync(_http, "gateway/unregister", """{"agent_id":"r"}""");

        await GatewayCalls.PostErrorAsync(_http, "gateway/send", GatewayCalls.Text("s", "r", "hi"), HttpStatusCode.NotFound, "offline");

        Assert.Empty(_receiver.Requests);
        await AssertNoMessagesAsync();
    }

    [Fact]
    public async Task Send_ToAgentWithoutWebhook_Is404()
    {
        // The built-in echo agent is in the registry (from the agents catalog) but has no webhook.
        await GatewayCalls.PostErrorAsync(_http, "gateway/send", GatewayCalls.Text("s", "echo", "hi"), HttpStatusCode.NotFound, "webhook_url");
    }

    [Theory]
    [InlineData(500, "HTTP 500")]
    [InlineData(404, "HTTP 404")]
    [InlineData(302, "HTTP 302")]
    public async Task Send_WebhookAnswersNon2xx_Is502AndTheReasonIsRecorded(int status, string reason)
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        _receiver.Respond = (_, _) => status;

        using var response = await _http.PostAsync("gateway/send", Api.Json(GatewayCalls.Text("s", "r", "hi")));

        var error = await GatewayCalls.AssertErrorAsync(response, HttpStatusCode.BadGateway, reason);
        var messageId = error.GetProperty("message_id").GetString()!;
        var message = await GatewayCalls.MessageAsync(_http, messageId);
        Assert.Equal("failed", message.GetProperty("status").GetString());
        Assert.Contains(reason, message.GetProperty("last_error").GetString());
        Assert.Equal(1, message.GetProperty("attempts").GetInt32());
        Assert.Single(_receiver.Requests);   // a direct send is not retried
    }

    [Fact]
    public async Task Send_WebhookHangs_Is502AfterTheWebhookTimeout()
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        _receiver.Respond = (_, _) => WebhookReceiver.Hang;

        using var response = await _http.PostAsync("gateway/send", Api.Json(GatewayCalls.Text("s", "r", "hi")));

        var error = await GatewayCalls.AssertErrorAsync(response, HttpStatusCode.BadGateway, "did not answer within 0.5 s");
        var message = await GatewayCalls.MessageAsync(_http, error.GetProperty("message_id").GetString()!);
        Assert.Equal("failed", message.GetProperty("status").GetString());
        Assert.Contains("did not answer", message.GetProperty("last_error").GetString());
    }

    [Fact]
    public async Task Send_WebhookRefusesConnections_Is502()
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        await _receiver.StopAsync();

        using var response = await _http.PostAsync("gateway/send", Api.Json(GatewayCalls.Text("s", "r", "hi")));

        await GatewayCalls.AssertErrorAsync(response, HttpStatusCode.BadGateway, "cannot connect");
    }

    [Fact]
    public async Task Conversation_ListsItsMessagesInOrderAndPaged()
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await GatewayCalls.SendAsync(_http, GatewayCalls.Text("s", "r", $"m{i}", "conv-1"))).GetProperty("message_id").GetString()!);
        }

        await GatewayCalls.SendAsync(_http, GatewayCalls.Text("s", "r", "elsewhere", "conv-2"));

        var first = await Api.GetJsonAsync(_http, "gateway/conversations/conv-1/messages?page_size=2");
        Assert.Equal(["messages", "pagination"], Api.PropertyNames(first));
        Assert.Equal(ids[..2], first.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("message_id").GetString()));
        Assert.Equal(3, first.GetProperty("pagination").GetProperty("total_items").GetInt32());
        Assert.Equal(2, first.GetProperty("pagination").GetProperty("total_pages").GetInt32());
        var second = await Api.GetJsonAsync(_http, "gateway/conversations/conv-1/messages?page_size=2&current_page=2");
        var last = Assert.Single(second.GetProperty("messages").EnumerateArray());
        Assert.Equal(ids[2], last.GetProperty("message_id").GetString());
        Assert.Equal("m2", last.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("sent", last.GetProperty("status").GetString());

        using var badPage = await _http.GetAsync("gateway/conversations/conv-1/messages?page_size=0");
        await GatewayCalls.AssertErrorAsync(badPage, HttpStatusCode.BadRequest, "page_size");
    }

    [Theory]
    [InlineData("a?b#c")]
    [InlineData("50% off & more")]
    [InlineData("räksmörgås:1")]
    public async Task Conversation_WithCharactersAUrlMustEscape_IsReadBackByItsEscapedId(string conversationId)
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        var sent = await GatewayCalls.SendAsync(_http, GatewayCalls.Text("s", "r", "hi", conversationId));

        var listed = await Api.GetJsonAsync(_http, $"gateway/conversations/{Uri.EscapeDataString(conversationId)}/messages");

        var message = Assert.Single(listed.GetProperty("messages").EnumerateArray());
        Assert.Equal(sent.GetProperty("message_id").GetString(), message.GetProperty("message_id").GetString());
        Assert.Equal(conversationId, message.GetProperty("conversation_id").GetString());
    }

    [Fact]
    public async Task MessageAndConversation_UnknownIds_Are404()
    {
        using var message = await _http.GetAsync("gateway/messages/msg_nothing");
        await GatewayCalls.AssertErrorAsync(message, HttpStatusCode.NotFound, "msg_nothing");

        using var conversation = await _http.GetAsync("gateway/conversations/conv-nothing/messages");
        await GatewayCalls.AssertErrorAsync(conversation, HttpStatusCode.NotFound, "conv-nothing");
    }

    [Fact]
    public async Task Send_BodyOverTheLimit_Is413AndStoresNothing()
    {
        await GatewayCalls.RegisterAsync(_http, "r", _receiver.Url);
        var huge = GatewayCalls.Text("s", "r", new string('x', 2 * 1024 * 1024));

        await GatewayCalls.PostErrorAsync(_http, "gateway/send", huge, HttpStatusCode.RequestEntityTooLarge, "larger than the limit");

        Assert.Empty(_receiver.Requests);
        await AssertNoMessagesAsync();
    }

    private async Task AssertNoMessagesAsync()
    {
        // Nothing was stored: no conversation exists, and the store holds no message.
        Assert.Equal(0L, Convert.ToInt64(await _host.ExecuteSqlAsync("SELECT COUNT(*) FROM gateway_messages"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
