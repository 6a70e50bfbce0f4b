using System.Text;
using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Events;
using AgentService.Runtime.Providers;
using AgentService.Runtime.Tests.Infrastructure;

namespace AgentService.Runtime.Tests.Providers;

/// <summary>The provider stream adapters on recorded OpenAI Responses and Anthropic Messages streams: the exact events
/// (type, data, providerRef) and every one valid against the output-event schema once the SDK published it.</summary>
public sealed class ProviderStreamAdapterTests : RuntimeTestBase
{
    private static readonly string Step = RecordedStreams.Id("stp", 1);


    public static TheoryData<string, string[]> Recordings() => new()
    {
        { "openai-responses-text.sse", OpenAIResponsesText },
        { "openai-responses-reasoning-tool.sse", OpenAIResponsesReasoningTool },
        { "openai-responses-failed.sse", OpenAIResponsesFailed },
        { "openai-responses-error.sse", OpenAIResponsesError },
        { "anthropic-messages-text.sse", AnthropicMessagesText },
        { "anthropic-messages-thinking-tool.sse", AnthropicMessagesThinkingTool },
        { "anthropic-messages-server-tool.sse", AnthropicMessagesServerTool },
        { "anthropic-messages-error.sse", AnthropicMessagesError },
    };

    [Theory]
    [MemberData(nameof(Recordings))]
    public async Task RecordedStream_MapsToTheExactEvents_EachValidAgainstTheSchema(string recording, string[] expected)
    {
        var adapter = AdapterFor(recording, RecordedStreams.Options());

        var drafts = await RecordedStreams.ReplayAsync(adapter, recording);

        Assert.Equal(expected, RecordedStreams.Lines(drafts));
        Assert.All(drafts, d => Assert.Equal(Step, d.StepId));
        Assert.All(drafts, d => Assert.Equal(OutputEventTypes.IsEphemeral(d.Type), d.Ephemeral == true));
        Assert.True(adapter.IsFinished);
        var published = await PublishAsync(drafts);
        Assert.Equal(drafts.Select(d => d.Type), published.Select(e => e.GetProperty("type").GetString()));
        Assert.All(published, e => Assert.Equal(Step, e.GetProperty("stepid").GetString()));
    }

    [Fact]
    public async Task OpenAIFunctionCall_IsKeptForTheAgentWithItsCallId()
    {
        var adapter = new OpenAIResponsesStreamAdapter(RecordedStreams.Options());

        await RecordedStreams.ReplayAsync(adapter, "openai-responses-reasoning-tool.sse");

        var call = Assert.Single(adapter.ToolCalls);
        Assert.Equal((RecordedStreams.Id("toolcall", 3), "get_weather", "call_Xk4wPq0ZbJ9mN2sT7uV1yA3c", """{"city":"Paris","unit":"c"}"""), (call.ToolCallId, call.ToolName, call.ProviderCallId, call.ArgumentsText));
        Assert.Equal("Paris", call.Arguments.GetProperty("city").GetString());
        Assert.Equal(("tool_calls", "completed"), (adapter.FinishReason!.Unified, adapter.FinishReason.Raw));
        Assert.Equal("resp_68af1c3e5a4c8193a1b2c3d4e5f60718", adapter.ResponseId);
        Assert.Equal("o4-mini-2025-04-16", adapter.Model);
        Assert.Equal(128, adapter.Usage!.OutputTokens!.Reasoning);
        Assert.Equal(string.Empty, adapter.Text);
        Assert.Null(adapter.Error);
    }

    [Fact]
    public async Task AnthropicToolUse_IsKeptForTheAgentWithItsBlockId_AndTheTextIsCollected()
    {
        var adapter = new AnthropicMessagesStreamAdapter(RecordedStreams.Options());

        await RecordedStreams.ReplayAsync(adapter, "anthropic-messages-thinking-tool.sse");

        var call = Assert.Single(adapter.ToolCalls);
        Assert.Equal(("get_weather", "toolu_01T1x1fJ34qAmk2tNTrN7Up6"), (call.ToolName, call.ProviderCallId));
        Assert.Equal("San Francisco, CA", call.Arguments.GetProperty("location").GetString());
        Assert.Equal("Let me check the weather for you.", adapter.Text);
        Assert.Equal(("tool_calls", "tool_use"), (adapter.FinishReason!.Unified, adapter.FinishReason.Raw));
    }

    [Fact]
    public async Task FailedStreams_EndTheStepWithAPortableErrorAndTheProvidersOwn()
    {
        var openAI = new OpenAIResponsesStreamAdapter(RecordedStreams.Options());
        var anthropic = new AnthropicMessagesStreamAdapter(RecordedStreams.Options());

        await RecordedStreams.ReplayAsync(openAI, "openai-responses-failed.sse");
        await RecordedStreams.ReplayAsync(anthropic, "anthropic-messages-error.sse");

        Assert.Equal(("model_error", true), (openAI.Error!.Code, openAI.Error.Retryable == true));
        Assert.Equal("server_error", openAI.Error.ProviderError!.Value.GetProperty("code").GetString());
        Assert.Equal("Partial", openAI.Text); // the incomplete message still counts: its text was shown
        Assert.Equal(("model_overloaded", "overloaded_error"), (anthropic.Error!.Code, anthropic.Error.ProviderError!.Value.GetProperty("type").GetString()));
        Assert.Equal("error", anthropic.FinishReason!.Unified);
    }

    [Fact]
    public async Task StreamThatStopsEarly_ClosesTheOpenMessageAndFailsTheStepAsRetryable()
    {
        var adapter = new OpenAIResponsesStreamAdapter(RecordedStreams.Options());
        var cut = string.Join("\n\n", (await File.ReadAllTextAsync(RecordedStreams.PathOf("openai-responses-text.sse"))).Split("\n\n").Take(5)) + "\n\n";

        var drafts = new List<OutputEventDraft>();
        await foreach (var batch in adapter.MapStreamAsync(new MemoryStream(Encoding.UTF8.GetBytes(cut))))
        {
            drafts.AddRange(batch);
        }

        Assert.Equal(["step.started", "message.started", "message.delta", "message.completed", "step.finished"], drafts.Select(d => d.Type));
        Assert.Equal("incomplete", drafts[3].Data.GetProperty("status").GetString());
        var finished = drafts[4].Data;
        Assert.Equal(("failed", "stream_ended", true), (finished.GetProperty("status").GetString(), finished.GetProperty("error").GetProperty("code").GetString(), finished.GetProperty("error").GetProperty("retryable").GetBoolean()));
        Assert.Empty(adapter.Complete());
        await PublishAsync(drafts);
    }

    [Fact]
    public async Task InvalidArgumentJson_IsRequestedWithItsTextAndFailsAsInvalidArguments()
    {
        var adapter = new AnthropicMessagesStreamAdapter(RecordedStreams.Options());
        string[] events =
        [
            """{"type":"message_start","message":{"id":"msg_01Bad","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01Bad","name":"get_weather","input":{}}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"location\": "}}""",
            """{"type":"content_block_stop","index":0}""",
            """{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":3}}""",
            """{"type":"message_stop"}""",
        ];

        var drafts = events.SelectMany(e => adapter.Map(RecordedStreams.Json(e))).ToList();

        Assert.Equal(["step.started", "tool.call.arguments.delta", "tool.call.requested", "tool.call.failed", "step.finished"], drafts.Select(d => d.Type));
        Assert.Equal(JsonValueKind.Null, drafts[2].Data.GetProperty("arguments").ValueKind);
        Assert.Equal("{\"location\": ", drafts[2].Data.GetProperty("argumentsText").GetString());
        Assert.Equal("invalid_arguments", drafts[3].Data.GetProperty("reason").GetString());
        Assert.Equal("length", drafts[4].Data.GetProperty("finishReason").GetProperty("unified").GetString());
        Assert.Equal(JsonValueKind.Null, Assert.Single(adapter.ToolCalls).Arguments.ValueKind);
        await PublishAsync(drafts);
    }

    [Fact]
    public async Task RawEvents_PassEveryProviderEventOnAsEphemeralProviderRaw_ExceptNothingIsDropped()
    {
        var adapter = new AnthropicMessagesStreamAdapter(RecordedStreams.Options(raw: true));

        var drafts = await RecordedStreams.ReplayAsync(adapter, "anthropic-messages-text.sse");

        var raw = drafts.Where(d => d.Type == "provider.raw").ToList();
        Assert.Equal(8, raw.Count); // every event of the recording, the ping too
        Assert.Equal("ping", raw[2].Data.GetProperty("event").GetProperty("type").GetString());
        Assert.All(raw, d => Assert.Equal(("anthropic.messages", true), (d.Data.GetProperty("provider").GetString(), d.Ephemeral == true)));
        Assert.Equal(AnthropicMessagesText, RecordedStreams.Lines(drafts.Where(d => d.Type != "provider.raw")));
        await PublishAsync(drafts);
    }

    [Fact]
    public async Task WithoutStepEvents_TheCallerOwnsTheStep_AndTheResultIsStillRead()
    {
        var adapter = new OpenAIResponsesStreamAdapter(new ProviderStreamOptions { EmitStepEvents = false });

        var drafts = await RecordedStreams.ReplayAsync(adapter, "openai-responses-text.sse");

        Assert.Equal(["message.started", "message.delta", "message.delta", "message.delta", "message.completed"], drafts.Select(d => d.Type));
        Assert.All(drafts, d => Assert.Null(d.StepId));
        Assert.Equal("Hello from the model.", adapter.Text);
        Assert.Equal(37, adapter.Usage!.InputTokens!.Total);
        Assert.Equal("stop", adapter.FinishReason!.Unified);
    }

    [Fact]
    public void BadEvents_AreRefusedWithAClearError_AndDoneIsIgnored()
    {
        var adapter = new OpenAIResponsesStreamAdapter();

        Assert.Empty(adapter.Map(new ServerSentEvent(null, "[DONE]")));
        Assert.Contains("not JSON", Assert.Throws<InvalidDataException>(() => adapter.Map(new ServerSentEvent("response.created", "{oops"))).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => adapter.Map(RecordedStreams.Json("[1]")));
        Assert.Empty(adapter.Map(RecordedStreams.Json("""{"type":"response.some_future_event"}""")));
    }

    private static ProviderStreamAdapter AdapterFor(string recording, ProviderStreamOptions options) =>
        recording.StartsWith("openai", StringComparison.Ordinal) ? new OpenAIResponsesStreamAdapter(options) : new AnthropicMessagesStreamAdapter(options);

    /// <summary>Publishes through the SDK to the fake service, which checks each frame against the spec schemas.</summary>
    private async Task<List<JsonElement>> PublishAsync(List<OutputEventDraft> drafts)
    {
        var (connection, socket) = await ConnectAsync();
        await using var _ = connection;
        var publish = connection.PublishAsync(drafts);
        var events = new List<JsonElement>();
        while (events.Count < drafts.Count)
        {
            events.AddRange(await socket.AcceptOutputAsync());
        }

        await publish.WaitAsync(Timeout);
        return events;
    }

    private static readonly string[] OpenAIResponsesText =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"openai.responses","id":"gpt-4.1-2025-04-14"}}
        """,
        """
        message.started {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","providerRef":{"provider":"openai.responses","model":"gpt-4.1-2025-04-14","responseId":"resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b","itemId":"msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b","index":0}}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000002","contentIndex":0,"delta":"Hello"}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000002","contentIndex":0,"delta":" from"}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000002","contentIndex":0,"delta":" the model."}
        """,
        """
        message.completed {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","status":"completed","content":[{"type":"text","text":"Hello from the model."}],"providerRef":{"provider":"openai.responses","model":"gpt-4.1-2025-04-14","responseId":"resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b","itemId":"msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b","index":0}}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"completed","finishReason":{"unified":"stop","raw":"completed"},"usage":{"inputTokens":{"total":37,"noCache":37,"cacheRead":0},"outputTokens":{"total":6,"reasoning":0},"raw":{"input_tokens":37,"input_tokens_details":{"cached_tokens":0},"output_tokens":6,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":43}},"providerRef":{"provider":"openai.responses","model":"gpt-4.1-2025-04-14","responseId":"resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b"}}
        """,
    ];

    private static readonly string[] OpenAIResponsesReasoningTool =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"openai.responses","id":"o4-mini-2025-04-16"}}
        """,
        """
        reasoning.started {"reasoningId":"rsn_01kjmm00000000000000000002","visibility":"summary"}
        """,
        """
        reasoning.delta {"reasoningId":"rsn_01kjmm00000000000000000002","partIndex":0,"delta":"**Checking the weather**\n\nThe user wants Paris weather;"}
        """,
        """
        reasoning.delta {"reasoningId":"rsn_01kjmm00000000000000000002","partIndex":0,"delta":" I should call get_weather."}
        """,
        """
        reasoning.completed {"reasoningId":"rsn_01kjmm00000000000000000002","text":"**Checking the weather**\n\nThe user wants Paris weather; I should call get_weather.","providerMetadata":{"openai.responses":{"itemId":"rs_68af1c3f11fc8193b7d2a9e0c1a2b3c4","encryptedContent":"gAAAAABor8Q_enc-example"}}}
        """,
        """
        tool.call.arguments.delta {"toolCallId":"toolcall_01kjmm00000000000000000003","toolName":"get_weather","delta":"{\"city\":"}
        """,
        """
        tool.call.arguments.delta {"toolCallId":"toolcall_01kjmm00000000000000000003","delta":"\"Paris\",\"unit\""}
        """,
        """
        tool.call.arguments.delta {"toolCallId":"toolcall_01kjmm00000000000000000003","delta":":\"c\"}"}
        """,
        """
        tool.call.requested {"toolCallId":"toolcall_01kjmm00000000000000000003","toolName":"get_weather","arguments":{"city":"Paris","unit":"c"},"executor":"runtime","requiresApproval":false,"providerRef":{"provider":"openai.responses","model":"o4-mini-2025-04-16","responseId":"resp_68af1c3e5a4c8193a1b2c3d4e5f60718","itemId":"fc_68af1c40a8e88193a0c1d2e3f4a5b6c7","callId":"call_Xk4wPq0ZbJ9mN2sT7uV1yA3c","index":1}}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"completed","finishReason":{"unified":"tool_calls","raw":"completed"},"usage":{"inputTokens":{"total":81,"noCache":17,"cacheRead":64},"outputTokens":{"total":150,"reasoning":128},"raw":{"input_tokens":81,"input_tokens_details":{"cached_tokens":64},"output_tokens":150,"output_tokens_details":{"reasoning_tokens":128},"total_tokens":231}},"providerRef":{"provider":"openai.responses","model":"o4-mini-2025-04-16","responseId":"resp_68af1c3e5a4c8193a1b2c3d4e5f60718"}}
        """,
    ];

    private static readonly string[] OpenAIResponsesFailed =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"openai.responses","id":"gpt-4.1-2025-04-14"}}
        """,
        """
        message.started {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","providerRef":{"provider":"openai.responses","model":"gpt-4.1-2025-04-14","responseId":"resp_68b0aa12c3d48190be7f6a5b4c3d2e1f","itemId":"msg_68b0aa1301ac8190a9b8c7d6e5f4a3b2","index":0}}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000002","contentIndex":0,"delta":"Partial"}
        """,
        """
        message.completed {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","status":"incomplete","content":[{"type":"text","text":"Partial"}],"providerRef":{"provider":"openai.responses","model":"gpt-4.1-2025-04-14","responseId":"resp_68b0aa12c3d48190be7f6a5b4c3d2e1f","itemId":"msg_68b0aa1301ac8190a9b8c7d6e5f4a3b2","index":0}}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"failed","finishReason":{"unified":"error","raw":"failed"},"error":{"code":"model_error","message":"The server had an error while processing your request. Sorry about that!","retryable":true,"providerError":{"provider":"openai.responses","code":"server_error","raw":{"code":"server_error","message":"The server had an error while processing your request. Sorry about that!"}}},"providerRef":{"provider":"openai.responses","model":"gpt-4.1-2025-04-14","responseId":"resp_68b0aa12c3d48190be7f6a5b4c3d2e1f"}}
        """,
    ];

    private static readonly string[] OpenAIResponsesError =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"openai.responses","id":"gpt-4.1-2025-04-14"}}
        """,
        """
        error.occurred {"error":{"code":"rate_limited","message":"Rate limit reached for gpt-4.1 in organization org-example on tokens per min (TPM). Please try again in 1.2s.","retryable":true,"providerError":{"provider":"openai.responses","code":"rate_limit_exceeded","raw":{"type":"error","sequence_number":1,"code":"rate_limit_exceeded","message":"Rate limit reached for gpt-4.1 in organization org-example on tokens per min (TPM). Please try again in 1.2s.","param":null}}},"scope":"model","fatal":false}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"failed","finishReason":{"unified":"error"},"error":{"code":"rate_limited","message":"Rate limit reached for gpt-4.1 in organization org-example on tokens per min (TPM). Please try again in 1.2s.","retryable":true,"providerError":{"provider":"openai.responses","code":"rate_limit_exceeded","raw":{"type":"error","sequence_number":1,"code":"rate_limit_exceeded","message":"Rate limit reached for gpt-4.1 in organization org-example on tokens per min (TPM). Please try again in 1.2s.","param":null}}},"providerRef":{"provider":"openai.responses","model":"gpt-4.1-2025-04-14","responseId":"resp_68b0ab77e1f08190a1a2b3c4d5e6f708"}}
        """,
    ];

    private static readonly string[] AnthropicMessagesText =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"anthropic.messages","id":"claude-sonnet-4-5-20250929"}}
        """,
        """
        message.started {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01XFDUDYJgAACzvnptvVoYEL","index":0}}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000002","delta":"Hello"}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000002","delta":"!"}
        """,
        """
        message.completed {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","status":"completed","content":[{"type":"text","text":"Hello!"}],"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01XFDUDYJgAACzvnptvVoYEL","index":0}}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"completed","finishReason":{"unified":"stop","raw":"end_turn"},"usage":{"inputTokens":{"total":25,"noCache":25,"cacheRead":0,"cacheWrite":0},"outputTokens":{"total":15},"raw":{"output_tokens":15}},"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01XFDUDYJgAACzvnptvVoYEL"}}
        """,
    ];

    private static readonly string[] AnthropicMessagesThinkingTool =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"anthropic.messages","id":"claude-sonnet-4-5-20250929"}}
        """,
        """
        reasoning.started {"reasoningId":"rsn_01kjmm00000000000000000002","visibility":"full"}
        """,
        """
        reasoning.delta {"reasoningId":"rsn_01kjmm00000000000000000002","delta":"The user asks about the weather in San Francisco."}
        """,
        """
        reasoning.delta {"reasoningId":"rsn_01kjmm00000000000000000002","delta":" I should use the get_weather tool."}
        """,
        """
        reasoning.completed {"reasoningId":"rsn_01kjmm00000000000000000002","text":"The user asks about the weather in San Francisco. I should use the get_weather tool.","providerMetadata":{"anthropic.messages":{"signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}}
        """,
        """
        message.started {"messageId":"msg_01kjmm00000000000000000003","role":"assistant","providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01DHYzPEcdM5ZiTJrnBxVoaQ","index":1}}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000003","delta":"Let me check the weather"}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000003","delta":" for you."}
        """,
        """
        message.completed {"messageId":"msg_01kjmm00000000000000000003","role":"assistant","status":"completed","content":[{"type":"text","text":"Let me check the weather for you."}],"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01DHYzPEcdM5ZiTJrnBxVoaQ","index":1}}
        """,
        """
        tool.call.arguments.delta {"toolCallId":"toolcall_01kjmm00000000000000000004","toolName":"get_weather","delta":"{\"location\": \"San Fra"}
        """,
        """
        tool.call.arguments.delta {"toolCallId":"toolcall_01kjmm00000000000000000004","delta":"ncisco, CA\", \"unit\": \"fahrenheit\"}"}
        """,
        """
        tool.call.requested {"toolCallId":"toolcall_01kjmm00000000000000000004","toolName":"get_weather","arguments":{"location":"San Francisco, CA","unit":"fahrenheit"},"executor":"runtime","requiresApproval":false,"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01DHYzPEcdM5ZiTJrnBxVoaQ","callId":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","index":2}}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"completed","finishReason":{"unified":"tool_calls","raw":"tool_use"},"usage":{"inputTokens":{"total":2520,"noCache":472,"cacheRead":2048,"cacheWrite":0},"outputTokens":{"total":89},"raw":{"output_tokens":89}},"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01DHYzPEcdM5ZiTJrnBxVoaQ"}}
        """,
    ];

    private static readonly string[] AnthropicMessagesServerTool =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"anthropic.messages","id":"claude-sonnet-4-5-20250929"}}
        """,
        """
        tool.call.arguments.delta {"toolCallId":"toolcall_01kjmm00000000000000000002","toolName":"web_search","delta":"{\"query\": \"weather NYC today\"}"}
        """,
        """
        tool.call.requested {"toolCallId":"toolcall_01kjmm00000000000000000002","toolName":"web_search","arguments":{"query":"weather NYC today"},"executor":"provider","requiresApproval":false,"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01G4aH8JwZ4tJ8Q2cPv8QfQe","callId":"srvtoolu_014hJH82Qum7Td6UV8gDXThB","index":0}}
        """,
        """
        tool.call.started {"toolCallId":"toolcall_01kjmm00000000000000000002","executionAttempt":1,"executor":"provider"}
        """,
        """
        tool.call.completed {"toolCallId":"toolcall_01kjmm00000000000000000002","output":[{"type":"web_search_result","title":"Weather in New York City","url":"https://weather.example.com/nyc","encrypted_content":"Ev0DCioIAxgCIiQ3NmU4ZmI4OC1k","page_age":null}],"providerMetadata":{"anthropic.messages":{"blockType":"web_search_tool_result","index":1}}}
        """,
        """
        message.started {"messageId":"msg_01kjmm00000000000000000003","role":"assistant","providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01G4aH8JwZ4tJ8Q2cPv8QfQe","index":2}}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000003","delta":"It is sunny in New York today."}
        """,
        """
        message.completed {"messageId":"msg_01kjmm00000000000000000003","role":"assistant","status":"completed","content":[{"type":"text","text":"It is sunny in New York today."}],"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01G4aH8JwZ4tJ8Q2cPv8QfQe","index":2}}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"completed","finishReason":{"unified":"stop","raw":"end_turn"},"usage":{"inputTokens":{"total":10682,"noCache":10682,"cacheRead":0,"cacheWrite":0},"outputTokens":{"total":510},"raw":{"input_tokens":10682,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":510,"server_tool_use":{"web_search_requests":1}}},"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01G4aH8JwZ4tJ8Q2cPv8QfQe"}}
        """,
    ];

    private static readonly string[] AnthropicMessagesError =
    [
        """
        step.started {"stepId":"stp_01kjmm00000000000000000001","kind":"model_call","index":1,"parentStepId":"stp_01kjmma95jfdk88r5dnefx5ks9","model":{"provider":"anthropic.messages","id":"claude-sonnet-4-5-20250929"}}
        """,
        """
        message.started {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01Pq3rXo8H2cJvYt6wL9kZaB","index":0}}
        """,
        """
        message.delta {"messageId":"msg_01kjmm00000000000000000002","delta":"Working on"}
        """,
        """
        message.completed {"messageId":"msg_01kjmm00000000000000000002","role":"assistant","status":"incomplete","content":[{"type":"text","text":"Working on"}],"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01Pq3rXo8H2cJvYt6wL9kZaB","index":0}}
        """,
        """
        error.occurred {"error":{"code":"model_overloaded","message":"Overloaded","retryable":true,"providerError":{"provider":"anthropic.messages","type":"overloaded_error","raw":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}},"scope":"model","fatal":false}
        """,
        """
        step.finished {"stepId":"stp_01kjmm00000000000000000001","status":"failed","finishReason":{"unified":"error"},"usage":{"inputTokens":{"total":12,"noCache":12,"cacheRead":0,"cacheWrite":0},"outputTokens":{"total":1},"raw":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}},"error":{"code":"model_overloaded","message":"Overloaded","retryable":true,"providerError":{"provider":"anthropic.messages","type":"overloaded_error","raw":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}},"providerRef":{"provider":"anthropic.messages","model":"claude-sonnet-4-5-20250929","responseId":"msg_01Pq3rXo8H2cJvYt6wL9kZaB"}}
        """,
    ];
}
