using System.Text;
using System.Text.Json;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;

namespace AgentService.Runtime.Providers;

/// <summary>
/// Maps the Anthropic Messages API streaming events (<c>POST /v1/messages</c> with <c>stream: true</c>) onto output
/// events (provider <c>anthropic.messages</c>): <c>message_start</c> → <c>step.started</c>; a <c>text</c> block →
/// <c>message.started</c>/<c>.delta</c>/<c>.completed</c> (at its <c>content_block_stop</c>); a <c>thinking</c> block →
/// <c>reasoning.*</c> (its <c>signature_delta</c> in <c>providerMetadata</c>); a <c>tool_use</c> block →
/// <c>tool.call.arguments.delta</c> per <c>input_json_delta</c> and <c>tool.call.requested</c> at its stop (the block
/// id in <c>providerRef.callId</c>); <c>server_tool_use</c>/<c>mcp_tool_use</c> and their result blocks →
/// <c>tool.call.requested</c>+<c>started</c>+<c>completed</c> (executor provider); <c>message_delta</c> (stop_reason,
/// usage) + <c>message_stop</c> → <c>step.finished</c>; <c>error</c> → <c>error.occurred</c>; <c>ping</c> is dropped.
/// </summary>
public sealed class AnthropicMessagesStreamAdapter : ProviderStreamAdapter
{
    /// <summary>The adapter namespace.</summary>
    public const string ProviderName = "anthropic.messages";

    private readonly Dictionary<int, Block> _blocks = [];
    private readonly Dictionary<string, Block> _serverTools = new(StringComparer.Ordinal);
    private JsonElement? _startUsage;
    private JsonElement? _finalUsage;
    private string? _stopReason;

    /// <summary>An adapter for one Messages call.</summary>
    public AnthropicMessagesStreamAdapter(ProviderStreamOptions? options = null)
        : base(ProviderName, options)
    {
    }

    private enum BlockKind
    {
        Text,
        Thinking,
        RedactedThinking,
        ToolUse,
        ServerToolUse,
    }

    /// <inheritdoc />
    protected override void MapEvent(string type, JsonElement providerEvent, List<OutputEventDraft> output)
    {
        switch (type)
        {
            case "message_start":
                if (GetObject(providerEvent, "message") is { } message)
                {
                    ResponseId = GetString(message, "id");
                    Model = GetString(message, "model");
                    _startUsage = GetObject(message, "usage")?.Clone();
                }

                StartStep(output);
                break;
            case "content_block_start":
                StartStep(output);
                BlockStarted(providerEvent, output);
                break;
            case "content_block_delta":
                BlockDelta(providerEvent, output);
                break;
            case "content_block_stop":
                if (GetIndex(providerEvent, "index") is { } index && _blocks.Remove(index, out var block))
                {
                    BlockStopped(block, output);
                }

                break;
            case "message_delta":
                if (GetObject(providerEvent, "delta") is { } delta && GetString(delta, "stop_reason") is { } stopReason)
                {
                    _stopReason = stopReason;
                }

                if (GetObject(providerEvent, "usage") is { } usage)
                {
                    _finalUsage = usage.Clone();
                }

                break;
            case "message_stop":
                CloseOpenItems(output, "incomplete");
                Usage = ReadUsage();
                FinishStep(output, "completed", new FinishReason
                {
                    Unified = _stopReason switch
                    {
                        "end_turn" or "stop_sequence" => "stop",
                        "max_tokens" or "model_context_window_exceeded" => "length",
                        "tool_use" => "tool_calls",
                        "refusal" => "content_filter",
                        _ => "other",
                    },
                    Raw = _stopReason,
                });
                break;
            case "error":
                Usage = ReadUsage();
                var error = GetObject(providerEvent, "error");
                var errorType = error is { } e ? GetString(e, "type") : null;
                var (code, retryable) = errorType switch
                {
                    "overloaded_error" => ("model_overloaded", true),
                    "rate_limit_error" => ("rate_limited", true),
                    "api_error" or "timeout_error" => ("model_error", true),
                    "invalid_request_error" => ("invalid_request", false),
                    "authentication_error" => ("unauthenticated", false),
                    "permission_error" => ("forbidden", false),
                    "not_found_error" => ("not_found", false),
                    "request_too_large" => ("payload_too_large", false),
                    "billing_error" => ("quota_exceeded", false),
                    _ => ("model_error", false),
                };
                Fail(output, ProviderError(code, error is { } m ? GetString(m, "message") : null, retryable, errorType, null, providerEvent));
                break;
        }
    }

    /// <inheritdoc />
    protected override void CloseOpenItems(List<OutputEventDraft> output, string messageStatus)
    {
        foreach (var block in _blocks.Values.ToList())
        {
            if (block.Kind is BlockKind.Text or BlockKind.Thinking or BlockKind.RedactedThinking)
            {
                BlockStopped(block, output, messageStatus);
            }
        }

        _blocks.Clear();
        foreach (var tool in _serverTools.Values)
        {
            output.Add(InStep(OutputEvents.ToolCallFailed(new ToolCallFailedData
            {
                ToolCallId = tool.Id,
                Reason = "cancelled",
                Error = new ErrorInfo { Code = "response_ended", Message = "The message ended before the provider's tool call returned a result." },
            })));
        }

        _serverTools.Clear();
    }

    private void BlockStarted(JsonElement providerEvent, List<OutputEventDraft> output)
    {
        if (GetIndex(providerEvent, "index") is not { } index || GetObject(providerEvent, "content_block") is not { } content || GetString(content, "type") is not { } blockType)
        {
            return;
        }

        switch (blockType)
        {
            case "text":
                var text = _blocks[index] = new Block(BlockKind.Text, Options.NewId("msg"), index);
                output.Add(InStep(OutputEvents.MessageStarted(new MessageStartedData { MessageId = text.Id, Role = "assistant", ProviderRef = Ref(index: index) })));
                AppendDelta(text, GetString(content, "text"), output);
                break;
            case "thinking":
                var thinking = _blocks[index] = new Block(BlockKind.Thinking, Options.NewId("rsn"), index);
                output.Add(InStep(OutputEvents.ReasoningStarted(new ReasoningStartedData { ReasoningId = thinking.Id, Visibility = "full" })));
                AppendDelta(thinking, GetString(content, "thinking"), output);
                thinking.Signature = GetString(content, "signature") is { Length: > 0 } signature ? signature : null;
                break;
            case "redacted_thinking":
                var redacted = _blocks[index] = new Block(BlockKind.RedactedThinking, Options.NewId("rsn"), index) { Signature = GetString(content, "data") };
                output.Add(InStep(OutputEvents.ReasoningStarted(new ReasoningStartedData { ReasoningId = redacted.Id, Visibility = "redacted" })));
                break;
            case "tool_use" or "server_tool_use" or "mcp_tool_use":
                _blocks[index] = new Block(blockType == "tool_use" ? BlockKind.ToolUse : BlockKind.ServerToolUse, Options.NewId("toolcall"), index)
                {
                    Name = GetString(content, "name") ?? blockType,
                    CallId = GetString(content, "id"),
                    McpServer = GetString(content, "server_name"),
                    Input = GetObject(content, "input") is { } input && input.EnumerateObject().Any() ? input.GetRawText() : null,
                };
                break;
            case var _ when blockType.EndsWith("_tool_result", StringComparison.Ordinal):
                if (GetString(content, "tool_use_id") is { } toolUseId && _serverTools.Remove(toolUseId, out var tool))
                {
                    var result = content.TryGetProperty("content", out var c) ? c.Clone() : content.Clone();
                    // An error result is the tool's answer to the model (e.g. web_search_tool_result_error): isError.
                    var isError = (content.TryGetProperty("is_error", out var flag) && flag.ValueKind == JsonValueKind.True)
                        || (GetString(result, "type") is { } resultType && resultType.EndsWith("_error", StringComparison.Ordinal));
                    output.Add(InStep(OutputEvents.ToolCallCompleted(new ToolCallCompletedData
                    {
                        ToolCallId = tool.Id,
                        Output = result,
                        IsError = isError ? true : null,
                        ProviderMetadata = Metadata(writer =>
                        {
                            writer.WriteString("blockType", blockType);
                            writer.WriteNumber("index", index);
                        }),
                    })));
                }

                break;
        }
    }

    private void BlockDelta(JsonElement providerEvent, List<OutputEventDraft> output)
    {
        if (GetIndex(providerEvent, "index") is not { } index || !_blocks.TryGetValue(index, out var block) || GetObject(providerEvent, "delta") is not { } delta)
        {
            return;
        }

        switch (GetString(delta, "type"))
        {
            case "text_delta" when block.Kind == BlockKind.Text:
                AppendDelta(block, GetString(delta, "text"), output);
                break;
            case "citations_delta" when block.Kind == BlockKind.Text && GetObject(delta, "citation") is { } citation:
                block.Citations.Add(citation.Clone());
                break;
            case "thinking_delta" when block.Kind == BlockKind.Thinking:
                AppendDelta(block, GetString(delta, "thinking"), output);
                break;
            case "signature_delta" when block.Kind == BlockKind.Thinking:
                block.Signature = (block.Signature ?? string.Empty) + GetString(delta, "signature");
                break;
            case "input_json_delta" when block.Kind is BlockKind.ToolUse or BlockKind.ServerToolUse:
                if (GetString(delta, "partial_json") is { Length: > 0 } json)
                {
                    block.Text.Append(json);
                    output.Add(InStep(OutputEvents.ToolCallArgumentsDelta(new ToolCallArgumentsDeltaData { ToolCallId = block.Id, ToolName = block.DeltaSent ? null : block.Name, Delta = json })));
                    block.DeltaSent = true;
                }

                break;
        }
    }

    private void BlockStopped(Block block, List<OutputEventDraft> output, string messageStatus = "completed")
    {
        switch (block.Kind)
        {
            case BlockKind.Text:
                var text = block.Text.ToString();
                output.Add(InStep(OutputEvents.MessageCompleted(new MessageCompletedData
                {
                    MessageId = block.Id,
                    Role = "assistant",
                    Status = messageStatus,
                    Content = [new ContentPart { Type = "text", Text = text, Annotations = block.Citations.Count == 0 ? null : Json(writer => WriteCitations(writer, block.Citations)) }],
                    ProviderRef = Ref(index: block.Index),
                })));
                AppendText(text);
                break;
            case BlockKind.Thinking or BlockKind.RedactedThinking:
                var redacted = block.Kind == BlockKind.RedactedThinking;
                output.Add(InStep(OutputEvents.ReasoningCompleted(new ReasoningCompletedData
                {
                    ReasoningId = block.Id,
                    Text = redacted ? null : block.Text.ToString(),
                    Redacted = redacted ? true : null,
                    ProviderMetadata = block.Signature is null ? null : Metadata(writer => writer.WriteString(redacted ? "data" : "signature", block.Signature)),
                })));
                break;
            case BlockKind.ToolUse:
                var callId = block.CallId ?? block.Id;
                RequestToolCall(output, block.Id, block.Name!, block.Text.Length > 0 ? block.Text.ToString() : block.Input ?? string.Empty, Ref(callId: callId, index: block.Index), callId);
                break;
            case BlockKind.ServerToolUse:
                var argumentsText = block.Text.Length > 0 ? block.Text.ToString() : block.Input ?? "{}";
                JsonElement arguments;
                try
                {
                    using var document = JsonDocument.Parse(argumentsText);
                    arguments = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    arguments = Json(writer => writer.WriteNullValue());
                }

                output.Add(InStep(OutputEvents.ToolCallRequested(new ToolCallRequestedData
                {
                    ToolCallId = block.Id,
                    ToolName = block.Name!,
                    Arguments = arguments,
                    ArgumentsText = arguments.ValueKind == JsonValueKind.Null ? argumentsText : null,
                    Executor = "provider",
                    RequiresApproval = false,
                    McpServer = block.McpServer,
                    ProviderRef = Ref(callId: block.CallId, index: block.Index),
                })));
                output.Add(InStep(OutputEvents.ToolCallStarted(new ToolCallStartedData { ToolCallId = block.Id, ExecutionAttempt = 1, Executor = "provider" })));
                if (block.CallId is not null)
                {
                    _serverTools[block.CallId] = block;
                }

                break;
        }
    }

    private void AppendDelta(Block block, string? delta, List<OutputEventDraft> output)
    {
        if (string.IsNullOrEmpty(delta))
        {
            return;
        }

        block.Text.Append(delta);
        output.Add(InStep(block.Kind == BlockKind.Text
            ? OutputEvents.MessageDelta(new MessageDeltaData { MessageId = block.Id, Delta = delta })
            : OutputEvents.ReasoningDelta(new ReasoningDeltaData { ReasoningId = block.Id, Delta = delta })));
    }

    private Usage? ReadUsage()
    {
        var usage = _finalUsage ?? _startUsage;
        if (usage is not { } last)
        {
            return null;
        }

        long? Read(string name) => GetInt64(last, name) ?? (_startUsage is { } start ? GetInt64(start, name) : null);
        var fresh = Read("input_tokens");
        var cacheRead = Read("cache_read_input_tokens");
        var cacheWrite = Read("cache_creation_input_tokens");
        return new Usage
        {
            InputTokens = new InputTokenUsage { Total = fresh is null ? null : fresh + (cacheRead ?? 0) + (cacheWrite ?? 0), NoCache = fresh, CacheRead = cacheRead, CacheWrite = cacheWrite },
            OutputTokens = new OutputTokenUsage { Total = Read("output_tokens") },
            Raw = last,
        };
    }

    private static void WriteCitations(Utf8JsonWriter writer, List<JsonElement> citations)
    {
        writer.WriteStartArray();
        foreach (var citation in citations)
        {
            citation.WriteTo(writer);
        }

        writer.WriteEndArray();
    }

    private sealed class Block(BlockKind kind, string id, int index)
    {
        public BlockKind Kind { get; } = kind;

        public string Id { get; } = id;

        public int Index { get; } = index;

        public string? Name { get; init; }

        public string? CallId { get; init; }

        public string? McpServer { get; init; }

        public string? Input { get; init; }

        public string? Signature { get; set; }

        public StringBuilder Text { get; } = new();

        public List<JsonElement> Citations { get; } = [];

        public bool DeltaSent { get; set; }
    }
}
