using System.Text;
using System.Text.Json;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;

namespace AgentService.Runtime.Providers;

/// <summary>
/// Maps the OpenAI Responses API streaming events (<c>POST /responses</c> with <c>stream: true</c>) onto output events
/// (provider <c>openai.responses</c>): <c>response.created</c> → <c>step.started</c>; a message item →
/// <c>message.started</c>/<c>.delta</c>/<c>.completed</c>; a reasoning item → <c>reasoning.*</c> (summary text);
/// a function call → <c>tool.call.arguments.delta</c> and, at <c>output_item.done</c>, <c>tool.call.requested</c>
/// (<c>call_id</c> in <c>providerRef.callId</c>); web/file search, code interpreter, image generation and MCP items →
/// <c>tool.call.requested</c>+<c>started</c> (executor provider) and <c>completed</c>/<c>failed</c>;
/// <c>response.completed</c>/<c>.incomplete</c>/<c>.failed</c> → <c>step.finished</c>; <c>error</c> →
/// <c>error.occurred</c>. Other events map to nothing.
/// </summary>
public sealed class OpenAIResponsesStreamAdapter : ProviderStreamAdapter
{
    /// <summary>The adapter namespace.</summary>
    public const string ProviderName = "openai.responses";

    private static readonly HashSet<string> ProviderToolItems = ["web_search_call", "file_search_call", "code_interpreter_call", "image_generation_call", "mcp_call"];
    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Item> _byIndex = [];

    /// <summary>An adapter for one Responses call.</summary>
    public OpenAIResponsesStreamAdapter(ProviderStreamOptions? options = null)
        : base(ProviderName, options)
    {
    }

    private enum ItemKind
    {
        Message,
        Reasoning,
        FunctionCall,
        ProviderTool,
    }

    /// <inheritdoc />
    protected override void MapEvent(string type, JsonElement providerEvent, List<OutputEventDraft> output)
    {
        switch (type)
        {
            case "response.created" or "response.queued" or "response.in_progress":
                ReadResponse(providerEvent);
                StartStep(output);
                break;
            case "response.output_item.added":
                StartStep(output);
                ItemAdded(providerEvent, output);
                break;
            case "response.output_text.delta" or "response.refusal.delta":
                if (Find(providerEvent, ItemKind.Message) is { } message && GetString(providerEvent, "delta") is { Length: > 0 } text)
                {
                    message.Text.Append(text);
                    output.Add(InStep(OutputEvents.MessageDelta(new MessageDeltaData { MessageId = message.Id, ContentIndex = GetIndex(providerEvent, "content_index"), Delta = text })));
                }

                break;
            case "response.reasoning_summary_text.delta" or "response.reasoning_text.delta":
                if (Find(providerEvent, ItemKind.Reasoning) is { } reasoning && GetString(providerEvent, "delta") is { Length: > 0 } thought)
                {
                    var part = GetIndex(providerEvent, type == "response.reasoning_text.delta" ? "content_index" : "summary_index");
                    if (reasoning.Part is { } previous && previous != part)
                    {
                        reasoning.Text.Append("\n\n");
                    }

                    reasoning.Part = part;
                    reasoning.Text.Append(thought);
                    output.Add(InStep(OutputEvents.ReasoningDelta(new ReasoningDeltaData { ReasoningId = reasoning.Id, PartIndex = part, Delta = thought })));
                }

                break;
            case "response.function_call_arguments.delta" or "response.mcp_call_arguments.delta":
                if (Find(providerEvent, type == "response.mcp_call_arguments.delta" ? ItemKind.ProviderTool : ItemKind.FunctionCall) is { } call
                    && GetString(providerEvent, "delta") is { Length: > 0 } arguments)
                {
                    call.Text.Append(arguments);
                    var first = !call.DeltaSent;
                    call.DeltaSent = true;
                    if (call.Kind == ItemKind.FunctionCall)
                    {
                        output.Add(InStep(OutputEvents.ToolCallArgumentsDelta(new ToolCallArgumentsDeltaData { ToolCallId = call.Id, ToolName = first ? call.Name : null, Delta = arguments })));
                    }
                }

                break;
            case "response.output_item.done":
                ItemDone(providerEvent, output);
                break;
            case "response.completed":
                ReadResponse(providerEvent);
                CloseOpenItems(output, "incomplete");
                FinishStep(output, "completed", new FinishReason { Unified = ToolCalls.Count > 0 ? "tool_calls" : "stop", Raw = "completed" });
                break;
            case "response.incomplete":
                ReadResponse(providerEvent);
                CloseOpenItems(output, "incomplete");
                var reason = GetObject(providerEvent, "response") is { } incomplete && GetObject(incomplete, "incomplete_details") is { } details ? GetString(details, "reason") : null;
                FinishStep(output, "completed", new FinishReason
                {
                    Unified = reason switch { "max_output_tokens" => "length", "content_filter" => "content_filter", _ => "other" },
                    Raw = reason ?? "incomplete",
                });
                break;
            case "response.failed":
                ReadResponse(providerEvent);
                CloseOpenItems(output, "incomplete");
                var failure = GetObject(providerEvent, "response") is { } failed && GetObject(failed, "error") is { } e ? e : (JsonElement?)null;
                var code = failure is { } f ? GetString(f, "code") : null;
                FinishStep(output, "failed", new FinishReason { Unified = "error", Raw = "failed" }, Portable(code, failure is { } m ? GetString(m, "message") : null, failure ?? providerEvent));
                break;
            case "error":
                Fail(output, Portable(GetString(providerEvent, "code"), GetString(providerEvent, "message"), providerEvent));
                break;
        }
    }

    /// <inheritdoc />
    protected override void CloseOpenItems(List<OutputEventDraft> output, string messageStatus)
    {
        foreach (var item in _items.Values.Where(i => !i.Done).ToList())
        {
            item.Done = true;
            switch (item.Kind)
            {
                case ItemKind.Message:
                    output.Add(InStep(OutputEvents.MessageCompleted(new MessageCompletedData
                    {
                        MessageId = item.Id,
                        Role = "assistant",
                        Status = messageStatus,
                        Content = [new ContentPart { Type = "text", Text = item.Text.ToString() }],
                        ProviderRef = Ref(item.ItemId, index: item.Index),
                    })));
                    AppendText(item.Text.ToString());
                    break;
                case ItemKind.Reasoning:
                    output.Add(InStep(OutputEvents.ReasoningCompleted(new ReasoningCompletedData { ReasoningId = item.Id, Text = item.Text.ToString() })));
                    break;
                case ItemKind.ProviderTool:
                    output.Add(InStep(OutputEvents.ToolCallFailed(new ToolCallFailedData
                    {
                        ToolCallId = item.Id,
                        Reason = "cancelled",
                        Error = new ErrorInfo { Code = "response_ended", Message = "The response ended before the provider's tool call finished." },
                    })));
                    break;
            }
        }
    }

    private void ReadResponse(JsonElement providerEvent)
    {
        if (GetObject(providerEvent, "response") is not { } response)
        {
            return;
        }

        ResponseId = GetString(response, "id") ?? ResponseId;
        Model = GetString(response, "model") ?? Model;
        if (GetObject(response, "usage") is { } usage)
        {
            var input = GetInt64(usage, "input_tokens");
            var cached = GetObject(usage, "input_tokens_details") is { } inputDetails ? GetInt64(inputDetails, "cached_tokens") : null;
            var reasoning = GetObject(usage, "output_tokens_details") is { } outputDetails ? GetInt64(outputDetails, "reasoning_tokens") : null;
            Usage = new Usage
            {
                InputTokens = new InputTokenUsage { Total = input, CacheRead = cached, NoCache = input - cached is >= 0 and var fresh ? fresh : null },
                OutputTokens = new OutputTokenUsage { Total = GetInt64(usage, "output_tokens"), Reasoning = reasoning },
                Raw = usage.Clone(),
            };
        }
    }

    private void ItemAdded(JsonElement providerEvent, List<OutputEventDraft> output)
    {
        if (GetObject(providerEvent, "item") is not { } item || GetString(item, "type") is not { } itemType)
        {
            return;
        }

        var index = GetIndex(providerEvent, "output_index");
        var itemId = GetString(item, "id");
        switch (itemType)
        {
            case "message":
                var message = Track(new Item(ItemKind.Message, Options.NewId("msg"), itemId, index));
                output.Add(InStep(OutputEvents.MessageStarted(new MessageStartedData { MessageId = message.Id, Role = Role(item), ProviderRef = Ref(itemId, index: index) })));
                break;
            case "reasoning":
                var reasoning = Track(new Item(ItemKind.Reasoning, Options.NewId("rsn"), itemId, index));
                output.Add(InStep(OutputEvents.ReasoningStarted(new ReasoningStartedData { ReasoningId = reasoning.Id, Visibility = "summary" })));
                break;
            case "function_call":
                Track(new Item(ItemKind.FunctionCall, Options.NewId("toolcall"), itemId, index) { Name = GetString(item, "name"), CallId = GetString(item, "call_id") });
                break;
            case var _ when ProviderToolItems.Contains(itemType):
                var tool = Track(new Item(ItemKind.ProviderTool, Options.NewId("toolcall"), itemId, index));
                var name = itemType == "mcp_call" && GetString(item, "name") is { } mcpName ? mcpName : itemType[..^"_call".Length];
                var arguments = itemType == "mcp_call" && GetString(item, "arguments") is { Length: > 0 } text ? TryParseObject(text) : null;
                output.Add(InStep(OutputEvents.ToolCallRequested(new ToolCallRequestedData
                {
                    ToolCallId = tool.Id,
                    ToolName = name,
                    Arguments = arguments ?? Json(writer =>
                    {
                        writer.WriteStartObject();
                        writer.WriteEndObject();
                    }),
                    Executor = "provider",
                    RequiresApproval = false,
                    McpServer = itemType == "mcp_call" ? GetString(item, "server_label") : null,
                    ProviderRef = Ref(itemId, index: index),
                })));
                output.Add(InStep(OutputEvents.ToolCallStarted(new ToolCallStartedData { ToolCallId = tool.Id, ExecutionAttempt = 1, Executor = "provider" })));
                break;
        }
    }

    private void ItemDone(JsonElement providerEvent, List<OutputEventDraft> output)
    {
        if (GetObject(providerEvent, "item") is not { } item || GetString(item, "type") is not { } itemType)
        {
            return;
        }

        var kind = itemType switch
        {
            "message" => ItemKind.Message,
            "reasoning" => ItemKind.Reasoning,
            "function_call" => ItemKind.FunctionCall,
            _ when ProviderToolItems.Contains(itemType) => ItemKind.ProviderTool,
            _ => (ItemKind?)null,
        };
        if (kind is null)
        {
            return;
        }

        // An item that was never announced (a proxy that sends only .done) is opened here first.
        var tracked = Find(providerEvent, kind.Value, GetString(item, "id"));
        if (tracked is null)
        {
            ItemAdded(providerEvent, output);
            tracked = Find(providerEvent, kind.Value, GetString(item, "id"));
            if (tracked is null)
            {
                return;
            }
        }

        if (tracked.Done)
        {
            return;
        }

        tracked.Done = true;
        switch (kind.Value)
        {
            case ItemKind.Message:
                MessageDone(item, tracked, output);
                break;
            case ItemKind.Reasoning:
                var summary = item.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.Array
                    ? string.Join("\n\n", s.EnumerateArray().Select(p => GetString(p, "text")).OfType<string>())
                    : string.Empty;
                var encrypted = GetString(item, "encrypted_content");
                output.Add(InStep(OutputEvents.ReasoningCompleted(new ReasoningCompletedData
                {
                    ReasoningId = tracked.Id,
                    Text = summary.Length > 0 ? summary : tracked.Text.ToString(),
                    ProviderMetadata = Metadata(writer =>
                    {
                        writer.WriteString("itemId", tracked.ItemId);
                        if (encrypted is not null)
                        {
                            writer.WriteString("encryptedContent", encrypted);
                        }
                    }),
                })));
                break;
            case ItemKind.FunctionCall:
                var callId = GetString(item, "call_id") ?? tracked.CallId ?? tracked.ItemId ?? tracked.Id;
                var name = GetString(item, "name") ?? tracked.Name ?? "function";
                RequestToolCall(output, tracked.Id, name, GetString(item, "arguments") ?? tracked.Text.ToString(), Ref(tracked.ItemId, callId, tracked.Index), callId);
                break;
            case ItemKind.ProviderTool:
                if (GetString(item, "status") is "failed" or "incomplete")
                {
                    output.Add(InStep(OutputEvents.ToolCallFailed(new ToolCallFailedData
                    {
                        ToolCallId = tracked.Id,
                        Reason = "execution_error",
                        Error = new ErrorInfo { Code = "provider_tool_failed", Message = GetString(item, "error") ?? $"The provider's {itemType} did not complete." },
                    })));
                }
                else
                {
                    output.Add(InStep(OutputEvents.ToolCallCompleted(new ToolCallCompletedData { ToolCallId = tracked.Id, Output = item.Clone() })));
                }

                break;
        }
    }

    private void MessageDone(JsonElement item, Item tracked, List<OutputEventDraft> output)
    {
        var content = new List<ContentPart>();
        var text = new StringBuilder();
        var refused = false;
        if (item.TryGetProperty("content", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                switch (GetString(part, "type"))
                {
                    case "output_text":
                        var partText = GetString(part, "text") ?? string.Empty;
                        text.Append(partText);
                        content.Add(new ContentPart
                        {
                            Type = "text",
                            Text = partText,
                            Annotations = part.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0 ? a.Clone() : null,
                        });
                        break;
                    case "refusal":
                        refused = true;
                        content.Add(new ContentPart { Type = "refusal", Text = GetString(part, "refusal") ?? string.Empty });
                        break;
                }
            }
        }
        else
        {
            text.Append(tracked.Text);
            content.Add(new ContentPart { Type = "text", Text = tracked.Text.ToString() });
        }

        output.Add(InStep(OutputEvents.MessageCompleted(new MessageCompletedData
        {
            MessageId = tracked.Id,
            Role = Role(item),
            Status = refused ? "refused" : GetString(item, "status") == "incomplete" ? "incomplete" : "completed",
            Content = content,
            ProviderRef = Ref(tracked.ItemId, index: tracked.Index),
        })));
        AppendText(text.ToString());
    }

    private ErrorInfo Portable(string? code, string? message, JsonElement raw)
    {
        var (portable, retryable) = code switch
        {
            "rate_limit_exceeded" => ("rate_limited", true),
            "server_error" or "internal_error" => ("model_error", true),
            "insufficient_quota" => ("quota_exceeded", false),
            "context_length_exceeded" => ("context_length_exceeded", false),
            "invalid_prompt" or "invalid_request_error" => ("invalid_request", false),
            _ => ("model_error", false),
        };
        return ProviderError(portable, message, retryable, null, code, raw);
    }

    private static string Role(JsonElement item) => GetString(item, "role") is "system" or "user" ? GetString(item, "role")! : "assistant";

    private static JsonElement? TryParseObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private Item Track(Item item)
    {
        if (item.ItemId is not null)
        {
            _items[item.ItemId] = item;
        }
        else
        {
            _items[item.Id] = item;
        }

        if (item.Index is { } index)
        {
            _byIndex[index] = item;
        }

        return item;
    }

    private Item? Find(JsonElement providerEvent, ItemKind kind, string? itemId = null)
    {
        itemId ??= GetString(providerEvent, "item_id");
        if (itemId is not null && _items.TryGetValue(itemId, out var byId))
        {
            return byId.Kind == kind ? byId : null;
        }

        return GetIndex(providerEvent, "output_index") is { } index && _byIndex.TryGetValue(index, out var byIndex) && byIndex.Kind == kind ? byIndex : null;
    }

    private sealed class Item(ItemKind kind, string id, string? itemId, int? index)
    {
        public ItemKind Kind { get; } = kind;

        public string Id { get; } = id;

        public string? ItemId { get; } = itemId;

        public int? Index { get; } = index;

        public string? Name { get; init; }

        public string? CallId { get; init; }

        public StringBuilder Text { get; } = new();

        public int? Part { get; set; }

        public bool DeltaSent { get; set; }

        public bool Done { get; set; }
    }
}
