using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;

namespace AgentService.Runtime.Providers;

/// <summary>
/// Maps one model call's streaming events (a provider's documented JSON event shapes) onto output events of
/// PROTOCOL.md section 10, following the mapping table of section 11. Feed it the provider's events in order — one
/// parsed event at a time with <see cref="Map(ServerSentEvent)"/> / <see cref="Map(JsonElement)"/>, or a whole
/// <c>text/event-stream</c> body with <see cref="MapStreamAsync"/> — and publish what comes out. Provider ids go in
/// <c>providerRef</c>, other provider data in <c>providerMetadata</c> keyed by <see cref="Provider"/>; deltas are
/// ephemeral. One adapter serves one call and is not thread-safe.
/// </summary>
public abstract class ProviderStreamAdapter
{
    private const int MaxErrorMessageLength = 4096;
    private readonly StringBuilder _text = new();
    private readonly List<ProviderToolCall> _toolCalls = [];
    private bool _stepStarted;

    /// <summary>Creates an adapter for the provider namespace <paramref name="provider"/>.</summary>
    protected ProviderStreamAdapter(string provider, ProviderStreamOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        Provider = provider;
        Options = options ?? new ProviderStreamOptions();
        StepId = Options.StepId ?? Options.NewId("stp");
    }

    /// <summary>The adapter namespace (<c>openai.responses</c>, <c>anthropic.messages</c>): <c>providerRef.provider</c>
    /// and the <c>providerMetadata</c> key.</summary>
    public string Provider { get; }

    /// <summary>The options of this call.</summary>
    public ProviderStreamOptions Options { get; }

    /// <summary>The model-call step (see <see cref="ProviderStreamOptions.StepId"/>).</summary>
    public string StepId { get; }

    /// <summary>The provider's id of the response (OpenAI <c>resp_...</c>, Anthropic <c>msg_...</c>), once known.</summary>
    public string? ResponseId { get; protected set; }

    /// <summary>The model that answered, once known.</summary>
    public string? Model { get; protected set; }

    /// <summary>True once the provider's terminal event (or an error) arrived, or <see cref="Complete"/> closed the call.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>The text of every assistant message of the call (completed, or cut short when the call ended early), in
    /// order, messages joined by a blank line.</summary>
    public string Text => _text.ToString();

    /// <summary>The function calls the model asked for, in order (see <see cref="ProviderToolCall"/>).</summary>
    public IReadOnlyList<ProviderToolCall> ToolCalls => _toolCalls;

    /// <summary>Why the model stopped, once finished.</summary>
    public FinishReason? FinishReason { get; private set; }

    /// <summary>Token usage of the call, once reported.</summary>
    public Usage? Usage { get; protected set; }

    /// <summary>The error that ended the call (a failed response, an <c>error</c> event, or a stream that ended early).</summary>
    public ErrorInfo? Error { get; private set; }

    /// <summary>Maps one Server-Sent Event. A <c>[DONE]</c> sentinel maps to nothing.</summary>
    /// <exception cref="InvalidDataException">The event's data is not a JSON object.</exception>
    public IReadOnlyList<OutputEventDraft> Map(ServerSentEvent serverSentEvent)
    {
        ArgumentNullException.ThrowIfNull(serverSentEvent);
        if (serverSentEvent.Data.Trim() == "[DONE]")
        {
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(serverSentEvent.Data);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The {Provider} stream sent an event whose data is not JSON ({serverSentEvent.EventName ?? "no event name"}).", ex);
        }

        using (document)
        {
            return MapCore(document.RootElement, serverSentEvent.EventName);
        }
    }

    /// <summary>Maps one provider event (its JSON data object).</summary>
    /// <exception cref="InvalidDataException">The event is not a JSON object with a <c>type</c>.</exception>
    public IReadOnlyList<OutputEventDraft> Map(JsonElement providerEvent) => MapCore(providerEvent, null);

    /// <summary>Reads a <c>text/event-stream</c> body and yields the events mapped from each provider event (never an
    /// empty batch); at the end of the stream, what <see cref="Complete"/> closes.</summary>
    public async IAsyncEnumerable<IReadOnlyList<OutputEventDraft>> MapStreamAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var serverSentEvent in ServerSentEventReader.ReadAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            var mapped = Map(serverSentEvent);
            if (mapped.Count > 0)
            {
                yield return mapped;
            }
        }

        var closing = Complete();
        if (closing.Count > 0)
        {
            yield return closing;
        }
    }

    /// <summary>The stream ended: closes what is still open. A call without its terminal event ends its step as failed
    /// (<c>stream_ended</c>, retryable); after a terminal event this returns nothing.</summary>
    public IReadOnlyList<OutputEventDraft> Complete()
    {
        var output = new List<OutputEventDraft>();
        if (!IsFinished)
        {
            var error = new ErrorInfo { Code = "stream_ended", Message = $"The {Provider} stream ended before its final event.", Retryable = true };
            CloseOpenItems(output, "incomplete");
            FinishStep(output, "failed", new FinishReason { Unified = "error" }, error);
        }

        return output;
    }

    /// <summary>Maps one event of type <paramref name="type"/> into <paramref name="output"/>.</summary>
    protected abstract void MapEvent(string type, JsonElement providerEvent, List<OutputEventDraft> output);

    /// <summary>Closes the messages, reasoning and tool calls still open when the call ends abnormally.</summary>
    protected abstract void CloseOpenItems(List<OutputEventDraft> output, string messageStatus);

    /// <summary>The event with the model-call step as its <c>stepid</c> (when step events are on).</summary>
    protected OutputEventDraft InStep(OutputEventDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return Options.EmitStepEvents ? draft with { StepId = StepId } : draft;
    }

    /// <summary>A <c>providerRef</c> with the response id and model known so far.</summary>
    protected ProviderRef Ref(string? itemId = null, string? callId = null, int? index = null) =>
        new() { Provider = Provider, Model = Model, ResponseId = ResponseId, ItemId = itemId, CallId = callId, Index = index };

    /// <summary><c>step.started</c> of the model call (once).</summary>
    protected void StartStep(List<OutputEventDraft> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_stepStarted)
        {
            return;
        }

        _stepStarted = true;
        if (Options.EmitStepEvents)
        {
            output.Add(OutputEvents.StepStarted(new StepStartedData
            {
                StepId = StepId,
                Kind = "model_call",
                Index = Options.StepIndex,
                Name = Options.StepName,
                ParentStepId = Options.ParentStepId,
                Model = new ModelRef { Provider = Provider, Id = Model },
            }));
        }
    }

    /// <summary>Ends the call: <c>step.finished</c> (when step events are on) and the final state.</summary>
    protected void FinishStep(List<OutputEventDraft> output, string status, FinishReason? finishReason, ErrorInfo? error = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (IsFinished)
        {
            return;
        }

        IsFinished = true;
        FinishReason = finishReason;
        Error = error;
        if (!Options.EmitStepEvents)
        {
            return;
        }

        StartStep(output);
        output.Add(OutputEvents.StepFinished(new StepFinishedData
        {
            StepId = StepId,
            Status = status,
            FinishReason = finishReason,
            Usage = Usage,
            Error = error,
            ProviderRef = Ref(),
        }));
    }

    /// <summary>An <c>error.occurred</c> (scope model, not fatal: the agent decides about the run) and the failed end
    /// of the call.</summary>
    protected void Fail(List<OutputEventDraft> output, ErrorInfo error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (IsFinished)
        {
            output.Add(InStep(OutputEvents.ErrorOccurred(new ErrorOccurredData { Error = error, Scope = "model", Fatal = false })));
            return;
        }

        CloseOpenItems(output, "incomplete");
        output.Add(InStep(OutputEvents.ErrorOccurred(new ErrorOccurredData { Error = error, Scope = "model", Fatal = false })));
        FinishStep(output, "failed", new FinishReason { Unified = "error" }, error);
    }

    /// <summary>Appends a completed assistant message's text to <see cref="Text"/>.</summary>
    protected void AppendText(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (_text.Length > 0)
        {
            _text.Append("\n\n");
        }

        _text.Append(text);
    }

    /// <summary><c>tool.call.requested</c> for a function call whose arguments are complete; invalid argument JSON is
    /// kept in <c>argumentsText</c> and followed by <c>tool.call.failed(invalid_arguments)</c>.</summary>
    protected void RequestToolCall(List<OutputEventDraft> output, string toolCallId, string toolName, string argumentsText, ProviderRef providerRef, string providerCallId, string? messageId = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(argumentsText);
        var arguments = ParseArguments(argumentsText, out var valid);
        output.Add(InStep(OutputEvents.ToolCallRequested(new ToolCallRequestedData
        {
            ToolCallId = toolCallId,
            ToolName = toolName,
            Arguments = arguments,
            ArgumentsText = valid ? null : argumentsText,
            Executor = Options.ToolExecutor,
            RequiresApproval = false,
            MessageId = messageId,
            ProviderRef = providerRef,
        })));
        if (!valid)
        {
            output.Add(InStep(OutputEvents.ToolCallFailed(new ToolCallFailedData
            {
                ToolCallId = toolCallId,
                Reason = "invalid_arguments",
                Error = new ErrorInfo { Code = "invalid_arguments", Message = $"The model's arguments for {toolName} are not a JSON object." },
            })));
        }

        _toolCalls.Add(new ProviderToolCall(toolCallId, toolName, arguments, argumentsText, providerCallId));
    }

    /// <summary>A portable error carrying the provider's own error verbatim in <c>providerError</c>.</summary>
    protected ErrorInfo ProviderError(string code, string? message, bool retryable, string? providerType, string? providerCode, JsonElement raw) => new()
    {
        Code = code,
        Message = Truncate(string.IsNullOrEmpty(message) ? $"The {Provider} call failed ({providerType ?? providerCode ?? code})." : message),
        Retryable = retryable ? true : null,
        ProviderError = Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("provider", Provider);
            if (providerType is not null)
            {
                writer.WriteString("type", providerType);
            }

            if (providerCode is not null)
            {
                writer.WriteString("code", providerCode);
            }

            writer.WritePropertyName("raw");
            raw.WriteTo(writer);
            writer.WriteEndObject();
        }),
    };

    /// <summary><c>{"&lt;provider&gt;": {...}}</c>: a <c>providerMetadata</c> object whose inner members
    /// <paramref name="writeMembers"/> writes.</summary>
    protected JsonElement Metadata(Action<Utf8JsonWriter> writeMembers)
    {
        ArgumentNullException.ThrowIfNull(writeMembers);
        return Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject(Provider);
            writeMembers(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    /// <summary>A JSON value written by <paramref name="write"/>.</summary>
    protected static JsonElement Json(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>The string member <paramref name="name"/>, or null.</summary>
    protected static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The integer member <paramref name="name"/>, or null.</summary>
    protected static long? GetInt64(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    /// <summary>The object member <paramref name="name"/>, or null.</summary>
    protected static JsonElement? GetObject(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    /// <summary>A non-negative index member (<c>output_index</c>, <c>index</c>), or null.</summary>
    protected static int? GetIndex(JsonElement element, string name) =>
        GetInt64(element, name) is { } index and >= 0 and <= int.MaxValue ? (int)index : null;

    private List<OutputEventDraft> MapCore(JsonElement providerEvent, string? eventName)
    {
        var type = GetString(providerEvent, "type") ?? eventName;
        if (providerEvent.ValueKind != JsonValueKind.Object || type is null)
        {
            throw new InvalidDataException($"A {Provider} stream event must be a JSON object with a type.");
        }

        var output = new List<OutputEventDraft>();
        if (Options.IncludeRawEvents)
        {
            output.Add(InStep(OutputEvents.ProviderRaw(Provider, providerEvent.Clone())));
        }

        MapEvent(type, providerEvent, output);
        return output;
    }

    private static JsonElement ParseArguments(string text, out bool valid)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            valid = true;
            return Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            });
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            valid = document.RootElement.ValueKind == JsonValueKind.Object;
            return valid ? document.RootElement.Clone() : Json(writer => writer.WriteNullValue());
        }
        catch (JsonException)
        {
            valid = false;
            return Json(writer => writer.WriteNullValue());
        }
    }

    private static string Truncate(string message) => message.Length <= MaxErrorMessageLength ? message : message[..MaxErrorMessageLength];
}
