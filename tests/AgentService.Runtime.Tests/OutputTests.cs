using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;
using AgentService.Runtime.Tests.Infrastructure;

namespace AgentService.Runtime.Tests;

public sealed partial class OutputTests : RuntimeTestBase
{
    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    private static partial Regex UtcTime();

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>One event of every type of PROTOCOL.md section 10 (and an extension), built with the SDK's builders.</summary>
    private static List<OutputEventDraft> EveryEventType()
    {
        const string step = "stp_01kjmma8d6e4db8k9f84fndw1d", message = "msg_01kjmma99tfjyvs9mw4j3kk438", reasoning = "rsn_01kjmma9teeewb527gtengks7q";
        const string tool = "toolcall_01kjmmaa3qeq7be24vmyyv8cwb", interaction = "ixn_01kjmmaa6xe61sthgn7x4v3c8p", artifact = "art_01kjmmaaenf6p9r8gcdn0hmb84";
        var artifactRef = new ArtifactRef
        {
            ArtifactId = artifact,
            Uri = $"/runs/{Ids.Run}/artifacts/{artifact}/versions/1",
            MediaType = "text/markdown",
            Version = 1,
            SizeBytes = 5120,
            Digest = new Digest { Algorithm = "sha256", Value = new string('9', 64) },
        };
        return
        [
            OutputEvents.RunStarted(new RunStartedData { AttemptNumber = 1, Agent = new AgentRef { Name = "echo" }, Runtime = new RuntimeDescriptor { RuntimeInstanceId = Ids.Instance, SdkName = "AgentService.Runtime" } }),
            OutputEvents.RunStatusChanged(new RunStatusChangedData { Status = "running", PreviousStatus = "starting" }),
            OutputEvents.RunWaiting([new WaitingReason { Kind = "interaction", Refs = [new EntityRef { Type = "interaction", Id = interaction }] }]),
            OutputEvents.StepStarted(new StepStartedData { StepId = step, Kind = "model_call", Index = 0, Model = new ModelRef { Provider = "anthropic.messages", Id = "claude-example" } }),
            OutputEvents.ReasoningStarted(new ReasoningStartedData { ReasoningId = reasoning, Visibility = "summary" }),
            OutputEvents.ReasoningDelta(new ReasoningDeltaData { ReasoningId = reasoning, Delta = "thinking " }),
            OutputEvents.ReasoningCompleted(new ReasoningCompletedData { ReasoningId = reasoning, Text = "thinking done" }),
            OutputEvents.MessageStarted(new MessageStartedData { MessageId = message, Role = "assistant", Channel = "chat" }),
            OutputEvents.MessageDelta(new MessageDeltaData { MessageId = message, Delta = "Hel" }),
            OutputEvents.MessageCompleted(message, "Hello"),
            OutputEvents.ToolCallArgumentsDelta(new ToolCallArgumentsDeltaData { ToolCallId = tool, ToolName = "github.create_pr", Delta = "{\"t\"" }),
            OutputEvents.ToolCallRequested(new ToolCallRequestedData { ToolCallId = tool, ToolName = "github.create_pr", Arguments = Json("""{"title":"x"}"""), Executor = "runtime", RequiresApproval = true, InteractionId = interaction }),
            OutputEvents.InteractionRequested(new InteractionRequestedData { InteractionId = interaction, Kind = "approval", Prompt = "Open the PR?" }),
            OutputEvents.InteractionResolved(new InteractionResolvedData { InteractionId = interaction, Outcome = "approved", ResolvedBy = new Actor { Type = "policy" } }),
            OutputEvents.ToolCallStarted(new ToolCallStartedData { ToolCallId = tool, ExecutionAttempt = 1, Executor = "mcp:github" }),
            OutputEvents.ToolCallProgress(new ToolCallProgressData { ToolCallId = tool, Progress = 1, Total = 3 }),
            OutputEvents.ToolCallCompleted(new ToolCallCompletedData { ToolCallId = tool, Output = Json("""{"number":17}"""), DurationMs = 840 }),
            OutputEvents.ToolCallFailed(new ToolCallFailedData { ToolCallId = tool, Reason = "timeout", Error = new ErrorInfo { Code = "tool_timeout", Message = "slow", Retryable = true } }),
            OutputEvents.StepFinished(new StepFinishedData { StepId = step, Status = "completed", FinishReason = new FinishReason { Unified = "tool_calls", Raw = "tool_use" }, Usage = new Usage { InputTokens = new InputTokenUsage { Total = 1200 } } }),
            OutputEvents.ArtifactCreated(new ArtifactCreatedData { Artifact = artifactRef, Producer = new ArtifactProducer { StepId = step }, Retention = "session" }),
            OutputEvents.CheckpointSaved(new Checkpoint { CheckpointId = "ckpt_01kjmmaajzf1bv2n3cqx7fj3sg", StateSchemaVersion = "3", InputCursor = 1, Reason = "waiting", State = Json("""{"plan":["fix"]}""") }),
            OutputEvents.TodoUpdated(new TodoUpdatedData { ListId = "todo_01kjmmabycf2rad9v7vcsnhgm5", Revision = 1, Items = [new TodoItem { ItemId = "find", Title = "Find it", Status = "completed" }] }),
            OutputEvents.SubrunSpawned(new SubrunSpawnedData { ChildRunId = Ids.SubRun, Relation = "delegate", Agent = new AgentRef { Name = "reviewer" }, AwaitChild = true, Hosting = "service", Task = new TaskSpec { Title = "Review" } }),
            OutputEvents.SubrunLinked(new SubrunLinkedData { ChildRunId = Ids.SubRun, Relation = "delegate", LinkReason = "referenced", ChildStatus = "running" }),
            OutputEvents.Log("warn", "deprecated", "adapter"),
            OutputEvents.MetricRecorded(new MetricRecordedData { Name = "agent.tool.latency", Kind = "histogram", Value = 840, Unit = "ms" }),
            OutputEvents.ErrorOccurred(new ErrorOccurredData { Error = new ErrorInfo { Code = "model_overloaded", Message = "retrying" }, Scope = "model", Fatal = false }),
            OutputEvents.ProviderRaw("openai.responses", Json("""{"type":"response.output_text.delta","delta":"I"}""")),
            OutputEvents.Extension("x.com.acme.widget.updated", Json("""{"widget":"w-7"}""")),
            OutputEvents.StepCompleted("stp_01kjmma95jfdk88r5dnefx5ks9", "Wrote it", Json("""{"tokens":42}"""), isLast: true, name: "Write"),
            OutputEvents.RunFinished(new RunFinishedData { Status = "failed", Error = new ErrorInfo { Code = "boom", Message = "it broke" }, DurationMs = 10 }),
        ];
    }

    [Fact]
    public async Task Publish_EveryEventType_StampsTheCloudEventsEnvelopeAndValidatesAgainstTheSchema()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;
        var drafts = EveryEventType();

        var publish = connection.PublishAsync(drafts);
        var batch = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent); // the fake checked it against frame.json
        await socket.ReplyAsync(batch, """{"accepted":true}""");
        await publish.WaitAsync(Timeout);

        var known = JsonShape.LoadSchema("events/output-event.json").GetProperty("$defs").GetProperty("knownEventType").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        var events = batch.GetProperty("params").GetProperty("events").EnumerateArray().ToList();
        Assert.Subset(events.Select(e => e.GetProperty("type").GetString()).ToHashSet(), known);
        Assert.Equal(drafts.Count, events.Count);
        Assert.Equal(Enumerable.Range(1, drafts.Count), events.Select(e => e.GetProperty("seq").GetInt32()));
        foreach (var e in events)
        {
            Assert.Equal("1.0", e.GetProperty("specversion").GetString());
            Assert.StartsWith("evt_", e.GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal($"/runs/{Ids.Run}/attempts/{Ids.Attempt}", e.GetProperty("source").GetString());
            Assert.Matches(UtcTime(), e.GetProperty("time").GetString());
            Assert.Equal(Ids.Run, e.GetProperty("runid").GetString());
            Assert.Equal(Ids.Attempt, e.GetProperty("attemptid").GetString());
            Assert.Equal(Ids.Session, e.GetProperty("sessionid").GetString());
            Assert.Equal(Ids.Run, e.GetProperty("correlationid").GetString());
            Assert.Equal(OutputEventTypes.IsEphemeral(e.GetProperty("type").GetString()!), e.TryGetProperty("ephemeral", out var ephemeral) && ephemeral.GetBoolean());
        }

        Assert.Equal(events.Select(e => e.GetProperty("id").GetString()).Distinct().Count(), events.Count);
        var stepStarted = events.Single(e => e.GetProperty("type").GetString() == "step.started");
        Assert.Equal("stp_01kjmma8d6e4db8k9f84fndw1d", stepStarted.GetProperty("stepid").GetString());
        Assert.Equal("msg_01kjmma99tfjyvs9mw4j3kk438", events.Single(e => e.GetProperty("type").GetString() == "message.delta").GetProperty("subject").GetString());
        var apStep = events.Single(e => e.GetProperty("type").GetString() == "step.finished" && e.GetProperty("data").TryGetProperty("isLast", out _));
        Assert.Equal(JsonShape.Of(JsonShape.Load("output-11b-step.finished--agent-protocol-step.json").GetProperty("data")), JsonShape.Of(apStep.GetProperty("data")));
    }

    [Fact]
    public async Task Publish_TheFirstEventWithoutADelivery_GetsAFreshValidTraceparent_LaterOnesTheDeliverysOwn()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var first = connection.PublishAsync([OutputEvents.Log("info", "before any input")]);
        var own = Assert.Single(await socket.AcceptOutputAsync()).GetProperty("traceparent").GetString();
        await first.WaitAsync(Timeout);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", own);

        await using var reader = connection.ReadDeliveriesAsync().GetAsyncEnumerator();
        await socket.SendDeliveryAsync(Frames.Delivery(Ids.Delivery(), 1, InputKinds.TaskStart, Frames.TaskStartPayload, traceparent: "00-0af7651916cd43dd8448eb211c80319c-53995c3f42cd8ad8-01"));
        Assert.True(await reader.MoveNextAsync());
        var second = connection.PublishAsync([OutputEvents.Log("info", "after input")]);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-53995c3f42cd8ad8-01", Assert.Single(await socket.AcceptOutputAsync()).GetProperty("traceparent").GetString());
        await second.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Publish_MoreThan500Events_GoesOutInBatchesOfAtMost500InSeqOrder()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var publish = connection.PublishAsync([.. Enumerable.Range(0, 1203).Select(i => OutputEvents.Log("info", $"line {i}"))]);
        var sizes = new List<int>();
        var seqs = new List<int>();
        while (seqs.Count < 1203)
        {
            var events = await socket.AcceptOutputAsync();
            sizes.Add(events.Length);
            seqs.AddRange(events.Select(e => e.GetProperty("seq").GetInt32()));
        }

        await publish.WaitAsync(Timeout);
        Assert.Equal([500, 500, 203], sizes);
        Assert.Equal(Enumerable.Range(1, 1203), seqs);
    }

    [Fact]
    public async Task Publish_CallsQueuedBehindABatch_GoOutWhole_NeverSplitAcrossTwoBatches()
    {
        // A step's step.finished and its checkpoint are one call: the service must store them in one transaction.
        var options = Options();
        options.MaxBatchSize = 3;
        var (connection, socket) = await ConnectAsync(options);
        await using var _1 = connection;

        var first = connection.PublishAsync([OutputEvents.Log("info", "a")]);
        var inFlight = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        var second = connection.PublishAsync([OutputEvents.Log("info", "b1"), OutputEvents.Log("info", "b2")]);
        var third = connection.PublishAsync([OutputEvents.Log("info", "c1"), OutputEvents.Log("info", "c2")]);
        await socket.ReplyAsync(inFlight, """{"accepted":true}""");
        var next = await socket.AcceptOutputAsync();
        var last = await socket.AcceptOutputAsync();

        await Task.WhenAll(first, second, third).WaitAsync(Timeout);
        Assert.Equal(["b1", "b2"], next.Select(e => e.GetProperty("data").GetProperty("message").GetString()));
        Assert.Equal(["c1", "c2"], last.Select(e => e.GetProperty("data").GetProperty("message").GetString()));
        Assert.Equal([2, 3, 4, 5], next.Concat(last).Select(e => e.GetProperty("seq").GetInt32()));
    }

    [Fact]
    public async Task SequenceGap_RenumbersFromTheExpectedSeqAndResendsTheSameEvents()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var publish = connection.PublishAsync([OutputEvents.Log("info", "a"), OutputEvents.Log("info", "b"), OutputEvents.Log("info", "c")]);
        var refused = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        await socket.ErrorAsync(refused, RuntimeErrorCodes.SequenceGap, detailsJson: """{"expectedSeq":7}""");

        var retried = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        await socket.ReplyAsync(retried, """{"accepted":true}""");
        await publish.WaitAsync(Timeout);
        var before = refused.GetProperty("params").GetProperty("events").EnumerateArray().ToList();
        var after = retried.GetProperty("params").GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(before.Select(e => e.GetProperty("id").GetString()), after.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal([1, 2, 3], before.Select(e => e.GetProperty("seq").GetInt32()));
        Assert.Equal([7, 8, 9], after.Select(e => e.GetProperty("seq").GetInt32()));

        var next = connection.PublishAsync([OutputEvents.Log("info", "d")]);
        Assert.Equal(10, Assert.Single(await socket.AcceptOutputAsync()).GetProperty("seq").GetInt32());
        await next.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Publish_RefusedBatch_FailsThePublisherAndKeepsSeqGapFree()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var publish = connection.PublishAsync([OutputEvents.Log("info", "bad")]);
        await socket.ErrorAsync(await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent), RuntimeErrorCodes.InvalidParams,
            detailsJson: """{"errors":[{"pointer":"/params/events/0","message":"nope"}]}""");
        var error = await Assert.ThrowsAsync<RuntimeProtocolException>(() => publish.WaitAsync(Timeout));
        Assert.Equal("invalid_params", error.Reason);

        var next = connection.PublishAsync([OutputEvents.Log("info", "good")]);
        Assert.Equal(1, Assert.Single(await socket.AcceptOutputAsync()).GetProperty("seq").GetInt32());
        await next.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Publish_RetryableError_RetriesTheSameBatchAfterRetryAfter()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var publish = connection.PublishAsync([OutputEvents.Log("info", "a")]);
        var first = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        await socket.ErrorAsync(first, RuntimeErrorCodes.Unavailable, retryAfterMs: 20);
        var second = await socket.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        await socket.ReplyAsync(second, """{"accepted":true}""");

        await publish.WaitAsync(Timeout);
        Assert.Equal(first.GetProperty("params").GetRawText(), second.GetProperty("params").GetRawText());
    }

    [Fact]
    public async Task Publish_AnEventWhoseCapabilityIsNotEffective_FailsLocally()
    {
        var (connection, socket) = await ConnectAsync(deny: [CapabilityNames.ToolCall, CapabilityNames.CheckpointSave]);
        await using var _1 = connection;
        var drafts = EveryEventType();

        var toolCall = await Assert.ThrowsAsync<RuntimeProtocolException>(() => connection.PublishAsync([drafts.First(d => d.Type == OutputEventTypes.ToolCallStarted)]));
        var checkpoint = await Assert.ThrowsAsync<RuntimeProtocolException>(() => connection.PublishAsync([drafts.First(d => d.Type == OutputEventTypes.CheckpointSaved)]));

        Assert.Equal(RuntimeErrorCodes.CapabilityNotNegotiated, toolCall.Code);
        Assert.Contains("tool.call", toolCall.Details!.Value.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("checkpoint.save", checkpoint.Details!.Value.GetRawText(), StringComparison.Ordinal);
        var ok = connection.PublishAsync([OutputEvents.Log("info", "fine")]);
        Assert.Equal(1, Assert.Single(await socket.AcceptOutputAsync()).GetProperty("seq").GetInt32());
        await ok.WaitAsync(Timeout);
    }

    [Fact]
    public void Builders_RefuseWhatTheSchemaForbids()
    {
        Assert.Throws<ArgumentException>(() => OutputEvents.RunStatusChanged(new RunStatusChangedData { Status = "waiting" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.RunStatusChanged(new RunStatusChangedData { Status = "completed" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.RunFinished(new RunFinishedData { Status = "failed" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.RunFinished(new RunFinishedData { Status = "running" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.StepFinished(new StepFinishedData { StepId = "stp_x", Status = "failed" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.StepCompleted("stp_x", "o", Json("[1]")));
        Assert.Throws<ArgumentException>(() => OutputEvents.ToolCallRequested(new ToolCallRequestedData
        {
            ToolCallId = "toolcall_x",
            ToolName = "t",
            Arguments = Json("{}"),
            Executor = "runtime",
            RequiresApproval = true,
        }));
        Assert.Throws<ArgumentException>(() => OutputEvents.MessageDelta(new MessageDeltaData { MessageId = "msg_x", Delta = "" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.CheckpointSaved(new Checkpoint { CheckpointId = "ckpt_x", StateSchemaVersion = "1", InputCursor = 0, Reason = "manual" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.CheckpointSaved(new Checkpoint
        {
            CheckpointId = "ckpt_x",
            StateSchemaVersion = "1",
            InputCursor = 0,
            Reason = "manual",
            State = Json("\"" + new string('a', 300 * 1024) + "\""),
        }));
        Assert.Throws<ArgumentException>(() => OutputEvents.InteractionRequested(new InteractionRequestedData { InteractionId = "ixn_x", Kind = "choice", Prompt = "?" }));
        Assert.Throws<ArgumentException>(() => OutputEvents.Extension("com.acme.thing", Json("{}")));
        Assert.True(OutputEvents.MessageDelta(new MessageDeltaData { MessageId = "msg_x", Delta = "d" }).Ephemeral);
        Assert.Null(OutputEvents.MessageCompleted("msg_x", "d").Ephemeral);
    }
}
