using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AgentService.FunctionalTests.Runtime;

namespace AgentService.FunctionalTests.Security;

/// <summary>
/// The input limits and checks the fuzz test relies on, each through the real interface of a server started with
/// small, configured limits: JSON depth and size, UTF-8 text, escaped surrogates, frame size and depth, close reasons.
/// </summary>
public sealed class InputLimitsTests : IAsyncLifetime
{
    private const int MaxDepth = 6;
    private const int MaxBodyBytes = 4096;
    private const int MaxFrameBytes = 8192;

    private RuntimeFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await RuntimeFixture.StartAsync("",
        $"--AgentService:MaxJsonDepth={MaxDepth}", $"--AgentService:MaxJsonBodyBytes={MaxBodyBytes}",
        $"--AgentService:Runtime:MaxFrameBytes={MaxFrameBytes}", $"--AgentService:Runtime:MaxFrameDepth={MaxDepth}",
        "--AgentService:Runtime:AttachTimeoutSeconds=60"); // a close must come from the refusal, not from the attach timeout

    public async Task DisposeAsync()
    {
        Assert.Empty(_fixture.Host.Errors);
        await _fixture.DisposeAsync();
    }

    private static ByteArrayContent JsonBytes(byte[] body) => new(body) { Headers = { ContentType = new("application/json") } };

    /// <summary>An object nested <paramref name="levels"/> deep (inside the body or frame root, the document is one deeper).</summary>
    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels - 1)) + "{}" + new string('}', levels - 1);

    [Fact]
    public async Task JsonBody_ConfiguredDepthAndSize_DeeperIs422_LargerIs413()
    {
        var http = _fixture.Http;
        var atLimit = $"{{\"input\":\"x\",\"additional_input\":{Nested(MaxDepth - 1)}}}";
        using (var ok = await http.PostAsync($"{Api.Prefix}/tasks", Api.Json(atLimit)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var deeper = $"{{\"input\":\"x\",\"additional_input\":{Nested(MaxDepth)}}}";
        using (var deep = await http.PostAsync($"{Api.Prefix}/tasks", Api.Json(deeper)))
        {
            await Api.AssertInvalidAsync(deep, "body");
            var error = await Api.ReadJsonAsync(deep, HttpStatusCode.UnprocessableEntity);
            Assert.Equal($"The request body nests JSON deeper than {MaxDepth} levels.", error.GetProperty("message").GetString());
        }

        // A syntax error before the depth is reached is reported as what it is.
        using (var broken = await http.PostAsync($"{Api.Prefix}/tasks", Api.Json($"{{\"input\":,\"additional_input\":{Nested(MaxDepth)}}}")))
        {
            var error = await Api.ReadJsonAsync(broken, HttpStatusCode.UnprocessableEntity);
            Assert.StartsWith("The request body is not valid JSON at line 1", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var large = await http.PostAsync($"{Api.Prefix}/tasks", Api.Json($"{{\"input\":\"{new string('x', MaxBodyBytes)}\"}}")))
        {
            var error = await Api.ReadJsonAsync(large, HttpStatusCode.RequestEntityTooLarge);
            Assert.Contains($"{MaxBodyBytes} bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using var gateway = await http.PostAsync("gateway/heartbeat", Api.Json($"{{\"agent_id\":{Nested(MaxDepth)}}}"));
        var detail = await Api.ReadJsonAsync(gateway, HttpStatusCode.BadRequest);
        Assert.Equal($"The request body nests JSON deeper than {MaxDepth} levels.", detail.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task JsonBody_InvalidUtf8OrEscapedLoneSurrogate_IsRefusedInEachApisShape_AndCreatesNothing()
    {
        var http = _fixture.Http;
        var before = (await Api.GetJsonAsync(http, $"{Api.Prefix}/tasks")).GetProperty("pagination").GetProperty("total_items").GetInt64();

        byte[][] bodies =
        [
            Encoding.UTF8.GetBytes("""{"input":"a\ud800b"}"""),
            Encoding.UTF8.GetBytes("""{"input":"x","additional_input":{"k\udc00":1}}"""),
            [.. "{\"input\":\"ok"u8, 0xFF, 0xFE, .. "\"}"u8],
            [.. "{\""u8, 0xC0, 0xAF, .. "\":1}"u8], // an unknown member, but not UTF-8: the whole body is refused
        ];
        foreach (var body in bodies)
        {
            using var response = await http.PostAsync($"{Api.Prefix}/tasks", JsonBytes(body));
            await Api.AssertInvalidAsync(response, "body");
        }

        Assert.Equal(before, (await Api.GetJsonAsync(http, $"{Api.Prefix}/tasks")).GetProperty("pagination").GetProperty("total_items").GetInt64());

        using var gateway = await http.PostAsync("gateway/send", JsonBytes(Encoding.UTF8.GetBytes("""{"from_agent_id":"echo","to_agent_id":"manual","content":[{"type":"text","text":"\ud800"}]}""")));
        var detail = await Api.ReadJsonAsync(gateway, HttpStatusCode.BadRequest);
        Assert.Contains("unpaired surrogate", detail.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--AgentService:MaxJsonDepth=0", "MaxJsonDepth")]
    [InlineData("--AgentService:MaxJsonBodyBytes=-1", "MaxJsonBodyBytes")]
    [InlineData("--AgentService:Runtime:MaxFrameDepth=0", "MaxFrameDepth")]
    [InlineData("--AgentService:Runtime:MaxFrameBytes=0", "MaxFrameBytes")]
    public async Task Start_WithALimitThatCannotWork_IsRefusedNamingTheSetting(string argument, string setting)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var host = await Tests.Common.ServiceHost.StartAsync(null, argument);
        });
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wait=NaN")]
    [InlineData("wait=-Infinity")]
    [InlineData("wait=Infinity")]
    [InlineData("wait=\"NaN\"")]
    public async Task PostStep_WithAPreferWaitThatIsNoNumberOfSeconds_IgnoresIt(string prefer)
    {
        var taskId = await Api.CreateTaskAsync(_fixture.Http);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Api.Prefix}/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"x"}""") };
        request.Headers.TryAddWithoutValidation("Prefer", prefer);
        using var response = await _fixture.Http.SendAsync(request);
        var step = await Api.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.False(response.Headers.Contains("Preference-Applied") && prefer.Contains("NaN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_WithAMemberNameThatIsNotUtf8_Is422_AndTheRunIsNotCancelled()
    {
        var taskId = await Api.CreateTaskAsync(_fixture.Http, "w", "agents/workers/ap/v1/agent");
        using (var step = new HttpRequestMessage(HttpMethod.Post, $"agents/workers/ap/v1/agent/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"x"}""") })
        {
            step.Headers.Add("Prefer", "wait=0");
            using var stepResponse = await _fixture.Http.SendAsync(step);
            Assert.Equal(HttpStatusCode.OK, stepResponse.StatusCode);
        }

        using var response = await _fixture.Http.PostAsync($"v1/runs/{taskId}/cancel", JsonBytes([.. "{\""u8, 0xFF, .. "\":1}"u8]));
        await Api.AssertInvalidAsync(response, "body");
        var run = await Api.GetJsonAsync(_fixture.Http, $"v1/runs/{taskId}");
        Assert.NotEqual("cancelled", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Runtime_EscapedLoneSurrogateOrTooDeepFrame_IsAParseError_AndTheSocketStaysUsable()
    {
        var launched = await LaunchAsync();
        using var socket = await FuzzSocket.ConnectAsync(_fixture.Host.BaseAddress, launched.Token);

        string[] frames =
        [
            """{"jsonrpc":"2.0","id":1,"method":"runtime.connection.heartbeat.command","params":{"runtimeConnectionId":"rtc_\ud800","runId":"x"}}""",
            """{"jsonrpc":"2.0","id":"\udfff","method":"runtime.connection.heartbeat.command","params":{}}""",
            $"{{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"runtime.connection.kv.set.command\",\"params\":{Nested(MaxDepth)}}}", // one level too deep
        ];
        foreach (var frame in frames)
        {
            await socket.SendTextAsync(frame);
            var (text, close) = await socket.ReceiveAsync(TimeSpan.FromSeconds(10));
            Assert.True(text is not null, $"closed with {close}");
            using var reply = JsonDocument.Parse(text);
            Assert.Equal(-32700, reply.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal(JsonValueKind.Null, reply.RootElement.GetProperty("id").ValueKind);
        }

        // Still open and serving: a frame at the depth limit is read (and refused for what it says, not how deep it is).
        await socket.SendTextAsync($"{{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"runtime.connection.kv.set.command\",\"params\":{Nested(MaxDepth - 1)}}}");
        var (answer, _) = await socket.ReceiveAsync(TimeSpan.FromSeconds(10));
        using var last = JsonDocument.Parse(answer!);
        Assert.Equal(3, last.RootElement.GetProperty("id").GetInt32());
        Assert.Equal(-32602, last.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Runtime_FrameOverTheConfiguredSize_ClosesWith1009()
    {
        var launched = await LaunchAsync();
        using var socket = await FuzzSocket.ConnectAsync(_fixture.Host.BaseAddress, launched.Token);
        var frame = $"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"runtime.connection.heartbeat.command\",\"params\":{{\"x\":\"{new string('x', MaxFrameBytes)}\"}}}}";
        await socket.SendTextAsync(frame);
        var (text, close) = await socket.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.Null(text);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close);
    }

    [Theory]
    [InlineData("v2")]
    [InlineData("😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀")]
    [InlineData("éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé")]
    public async Task Runtime_UnsupportedProtocolVersion_IsRefusedAndClosedWith4000_WhateverItsText(string version)
    {
        var launched = await LaunchAsync();
        using var socket = await FuzzSocket.ConnectAsync(_fixture.Host.BaseAddress, launched.Token);
        var parameters = FuzzSocket.AttachParams(launched.RunId, launched.AttemptId, 0);
        parameters["protocolVersion"] = version;
        await socket.SendTextAsync($"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"runtime.connection.attach.command\",\"params\":{parameters.ToJsonString()}}}");

        var (text, _) = await socket.ReceiveAsync(TimeSpan.FromSeconds(10));
        using var reply = JsonDocument.Parse(text!);
        Assert.Equal(1001, reply.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        var (after, close) = await socket.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.Null(after);
        Assert.Equal((WebSocketCloseStatus)4000, close);
    }

    private async Task<LaunchedRuntime> LaunchAsync()
    {
        var (taskId, _) = await _fixture.CreateTaskWithStepAsync();
        return await _fixture.WaitForLaunchAsync(taskId);
    }
}
