using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.RunModel;

/// <summary>Checkpoints: a new execution starts with run.resume carrying the latest checkpoint and its input cursor,
/// and only the deliveries after that cursor are replayed.</summary>
public sealed class CheckpointTests
{
    private static JsonObject Checkpoint(string id, int cursor, int n) => new()
    {
        ["checkpointId"] = id,
        ["stateSchemaVersion"] = "1",
        ["state"] = new JsonObject { ["n"] = n },
        ["inputCursor"] = cursor,
        ["reason"] = "step_boundary",
    };

    [Fact]
    public async Task RuntimeDies_NextExecutionResumesFromTheLatestCheckpoint_AndGetsOnlyTheLaterInputs()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var runtime = await ModelRuntime.StartAsync(fixture, "first");
        var latest = TypeId.New("ckpt");
        await runtime.PublishAsync(("checkpoint.saved", Checkpoint(TypeId.New("ckpt"), 1, 0)));
        await runtime.PublishAsync(("checkpoint.saved", Checkpoint(latest, 2, 1)));
        var later = await fixture.PostStepAsync(runtime.RunId, "second", ModelRuntime.Workers);
        var (_, third) = await runtime.Socket.NextDeliveryAsync();
        Assert.Equal(3, third.GetProperty("sequence").GetInt64());

        // The process dies before acknowledging the third input; its next execution has no in-memory state.
        runtime.Socket.Abort();
        await runtime.DisposeAsync();
        await using var next = await RawRuntime.ConnectAsync(runtime.Claim.ServiceUrl, runtime.Claim.Token);
        var attach = await next.AttachAsync(runtime.RunId, runtime.Claim.AttemptId, epoch: 1, capabilities: ModelRuntime.Capabilities);
        Assert.True(attach.TryGetProperty("result", out _), attach.ToString());

        var (resumeId, resume) = await next.NextDeliveryAsync();
        Assert.Equal("run.resume", resume.GetProperty("kind").GetString());
        var payload = resume.GetProperty("payload");
        Assert.Equal(2, payload.GetProperty("inputCursor").GetInt64());
        Assert.Equal(latest, payload.GetProperty("checkpoint").GetProperty("checkpointId").GetString());
        Assert.Equal(1, payload.GetProperty("checkpoint").GetProperty("state").GetProperty("n").GetInt32());
        Assert.Equal(4, payload.GetProperty("nextOutputSeq").GetInt64());
        await next.AcknowledgeAsync(resumeId);

        var (_, replayed) = await next.NextDeliveryAsync();
        Assert.Equal(3, replayed.GetProperty("sequence").GetInt64());
        Assert.Equal(later, replayed.GetProperty("payload").GetProperty("stepId").GetString());
        await Task.Delay(300);
        Assert.False(next.TryNextDelivery(out var extra), extra.ToString());

        var snapshot = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/snapshot");
        Assert.Equal(latest, snapshot.GetProperty("checkpoint").GetProperty("checkpointId").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task LostAttempt_TheNewAttemptResumesFromTheCheckpoint_WithOnlyTheLaterInput()
    {
        await using var fixture = await RuntimeFixture.StartAsync("", "--AgentService:Runtime:HeartbeatIntervalMs=1000", "--AgentService:Runtime:LeaseGraceSeconds=0");
        var (taskId, firstStep) = await fixture.CreateTaskWithStepAsync("one");
        var first = await fixture.WaitForLaunchAsync(taskId);
        var secondStep = "";
        var checkpointId = TypeId.New("ckpt");
        await using (var silent = await RawRuntime.ConnectAsync(first.ServiceUrl, first.Token))
        {
            var connectionId = (await silent.AttachAsync(first.RunId, first.AttemptId, capabilities: ModelRuntime.Capabilities))
                .GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
            for (var i = 0; i < 2; i++)
            {
                await silent.AcknowledgeAsync((await silent.NextDeliveryAsync()).RequestId);
            }

            await silent.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, first,
                RuntimeFixture.Event("step.finished", first, 1, new JsonObject { ["stepId"] = firstStep, ["status"] = "completed", ["output"] = "one done" }),
                RuntimeFixture.Event("checkpoint.saved", first, 2, Checkpoint(checkpointId, 2, 1))));
            secondStep = await fixture.PostStepAsync(taskId, "two");
            await silent.NextDeliveryAsync(); // step two arrives; then no heartbeats: the lease lapses and attempt 2 starts
            await silent.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }

        var second = await fixture.WaitForLaunchAsync(taskId, attemptNumber: 2);
        await using var runtime = await RawRuntime.ConnectAsync(second.ServiceUrl, second.Token);
        await runtime.AttachAsync(second.RunId, second.AttemptId, capabilities: ModelRuntime.Capabilities);
        var (resumeId, resume) = await runtime.NextDeliveryAsync();
        var payload = resume.GetProperty("payload");
        Assert.Equal("new_attempt", payload.GetProperty("reason").GetString());
        Assert.Equal(checkpointId, payload.GetProperty("checkpoint").GetProperty("checkpointId").GetString());
        Assert.Equal(2, payload.GetProperty("inputCursor").GetInt64());
        Assert.Equal(1, payload.GetProperty("nextOutputSeq").GetInt64());
        await runtime.AcknowledgeAsync(resumeId);
        var (_, step) = await runtime.NextDeliveryAsync();
        Assert.Equal(3, step.GetProperty("sequence").GetInt64());
        Assert.Equal(secondStep, step.GetProperty("payload").GetProperty("stepId").GetString());
        await Task.Delay(300);
        Assert.False(runtime.TryNextDelivery(out var extra), extra.ToString());
    }

    [Fact]
    public async Task ACheckpoint_AcknowledgesTheInputsItReflects_SoARuntimeThatDiedBeforeAcknowledgingLeavesNoWork()
    {
        // A kill the chaos test deals: a runtime that stored a step's step.finished with its checkpoint and died before
        // acknowledging the step input used to leave it pending for good — never sent again (the resume starts after the
        // cursor), yet counted as work, so every later exit was a failure and new attempts were started for nothing.
        await using var fixture = await RuntimeFixture.StartAsync("",
            "--AgentService:Runtime:HeartbeatIntervalMs=1000", "--AgentService:Runtime:LeaseGraceSeconds=0", "--AgentService:Runtime:RestartBackoffSeconds=0.05");
        var (taskId, firstStep) = await fixture.CreateTaskWithStepAsync("one");
        var first = await fixture.WaitForLaunchAsync(taskId);
        var checkpointId = TypeId.New("ckpt");
        await using (var dying = await RawRuntime.ConnectAsync(first.ServiceUrl, first.Token))
        {
            var connectionId = (await dying.AttachAsync(first.RunId, first.AttemptId, capabilities: ModelRuntime.Capabilities))
                .GetProperty("result").GetProperty("runtimeConnectionId").GetString()!;
            await dying.AcknowledgeAsync((await dying.NextDeliveryAsync()).RequestId);
            await dying.NextDeliveryAsync(); // the step: done and checkpointed below, never acknowledged
            var reply = await dying.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connectionId, first,
                RuntimeFixture.Event("step.finished", first, 1, new JsonObject { ["stepId"] = firstStep, ["status"] = "completed", ["output"] = "one done" }),
                RuntimeFixture.Event("checkpoint.saved", first, 2, Checkpoint(checkpointId, 2, 1))));
            Assert.True(reply.GetProperty("result").GetProperty("accepted").GetBoolean(), reply.ToString());
            await dying.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)); // no heartbeats: the lease lapses
        }

        await Wait.UntilAsync(() => Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}"), r => r.GetProperty("attempts")[0].GetProperty("status").GetString() != "active",
            TimeSpan.FromSeconds(20), "attempt 1 to be lost");
        await Task.Delay(1000); // were the step still pending work, attempt 2 would start 0.05 s after the loss
        Assert.Equal(1, (await Api.GetJsonAsync(fixture.Http, $"v1/runs/{taskId}")).GetProperty("attempts").GetArrayLength());

        // The next input starts attempt 2: it resumes after the checkpoint and gets only that input.
        var secondStep = await fixture.PostStepAsync(taskId, "two");
        var second = await fixture.WaitForLaunchAsync(taskId, attemptNumber: 2);
        await using var runtime = await RawRuntime.ConnectAsync(second.ServiceUrl, second.Token);
        await runtime.AttachAsync(second.RunId, second.AttemptId, capabilities: ModelRuntime.Capabilities);
        var (resumeId, resume) = await runtime.NextDeliveryAsync();
        Assert.Equal(checkpointId, resume.GetProperty("payload").GetProperty("checkpoint").GetProperty("checkpointId").GetString());
        Assert.Equal(2, resume.GetProperty("payload").GetProperty("inputCursor").GetInt64());
        await runtime.AcknowledgeAsync(resumeId);
        var (_, step) = await runtime.NextDeliveryAsync();
        Assert.Equal(3, step.GetProperty("sequence").GetInt64());
        Assert.Equal(secondStep, step.GetProperty("payload").GetProperty("stepId").GetString());
        Assert.Empty(fixture.Host.Errors);
    }

    [Fact]
    public async Task LargeState_IsAnArtifactReferencedByStateRef_AndComesBackOnResume()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var runtime = await ModelRuntime.StartAsync(fixture);
        var state = System.Text.Encoding.UTF8.GetBytes("{\"blob\":\"" + new string('x', 300 * 1024) + "\"}");
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(state);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "state.json");
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"v1/runs/{runtime.RunId}/artifacts") { Content = form };
        upload.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", runtime.Claim.Token);
        var stateRef = await Api.ReadJsonAsync(await fixture.Http.SendAsync(upload), System.Net.HttpStatusCode.OK);

        var checkpoint = Checkpoint(TypeId.New("ckpt"), 2, 0);
        checkpoint.Remove("state");
        checkpoint["stateRef"] = JsonNode.Parse(stateRef.GetRawText());
        await runtime.PublishAsync(("checkpoint.saved", checkpoint));
        runtime.Socket.Abort();
        await runtime.DisposeAsync();

        await using var next = await RawRuntime.ConnectAsync(runtime.Claim.ServiceUrl, runtime.Claim.Token);
        await next.AttachAsync(runtime.RunId, runtime.Claim.AttemptId, epoch: 1, capabilities: ModelRuntime.Capabilities);
        var (_, resume) = await next.NextDeliveryAsync();
        var resumed = resume.GetProperty("payload").GetProperty("checkpoint");
        Assert.False(resumed.TryGetProperty("state", out _));
        var artifactId = resumed.GetProperty("stateRef").GetProperty("artifactId").GetString();
        Assert.Equal(stateRef.GetProperty("artifactId").GetString(), artifactId);
        Assert.Equal(state.Length, resumed.GetProperty("stateRef").GetProperty("sizeBytes").GetInt64());
        var bytes = await fixture.Http.GetByteArrayAsync($"{ModelRuntime.Workers}/tasks/{runtime.RunId}/artifacts/{artifactId}");
        Assert.Equal(state, bytes);

        // The runtime reads it back with its run token; an unknown token is 401 (in auth mode none a caller without
        // any credential is an admin, see docs/security.md).
        using var download = new HttpRequestMessage(HttpMethod.Get, $"v1/runs/{runtime.RunId}/artifacts/{artifactId}");
        download.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", runtime.Claim.Token);
        using var downloaded = await fixture.Http.SendAsync(download);
        Assert.Equal(state, await downloaded.Content.ReadAsByteArrayAsync());
        using var forged = new HttpRequestMessage(HttpMethod.Get, $"v1/runs/{runtime.RunId}/artifacts/{artifactId}");
        forged.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "rt_not-a-token");
        using var refused = await fixture.Http.SendAsync(forged);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task WithoutCheckpointLoad_TheNextExecutionReplaysEveryInput()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        var runtime = await ModelRuntime.StartAsync(fixture);
        await runtime.PublishAsync(("checkpoint.saved", Checkpoint(TypeId.New("ckpt"), 2, 1)));
        runtime.Socket.Abort();
        await runtime.DisposeAsync();

        await using var next = await RawRuntime.ConnectAsync(runtime.Claim.ServiceUrl, runtime.Claim.Token);
        await next.AttachAsync(runtime.RunId, runtime.Claim.AttemptId, epoch: 1, capabilities: ["input.receive", "output.publish", "checkpoint.save"]);
        var (resumeId, resume) = await next.NextDeliveryAsync();
        Assert.Equal(0, resume.GetProperty("payload").GetProperty("inputCursor").GetInt64());
        Assert.False(resume.GetProperty("payload").TryGetProperty("checkpoint", out _));
        await next.AcknowledgeAsync(resumeId);
        Assert.Equal(1, (await next.NextDeliveryAsync()).Delivery.GetProperty("sequence").GetInt64());
        Assert.Equal(2, (await next.NextDeliveryAsync()).Delivery.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task ACheckpointWithoutStateOrAheadOfTheInputs_IsRefusedAndNotStored()
    {
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var neither = Checkpoint(TypeId.New("ckpt"), 1, 1);
        neither.Remove("state");
        Assert.Equal(-32602, (await runtime.PublishRefusedAsync("checkpoint.saved", neither)).GetProperty("code").GetInt32());
        var ahead = await runtime.PublishRefusedAsync("checkpoint.saved", Checkpoint(TypeId.New("ckpt"), 3, 1)); // the run has inputs 1 and 2 only
        Assert.Equal(-32602, ahead.GetProperty("code").GetInt32());
        Assert.Contains("inputCursor 3", ahead.GetProperty("message").GetString());
        await runtime.PublishAsync(("checkpoint.saved", Checkpoint(TypeId.New("ckpt"), 2, 1)));
        var snapshot = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/snapshot");
        Assert.Equal(2, snapshot.GetProperty("checkpoint").GetProperty("inputCursor").GetInt64());
        Assert.Single(await runtime.EventsAsync(), e => e.GetProperty("type").GetString() == "checkpoint.saved");
    }

    [Fact]
    public async Task InlineStateOver256KiB_IsRefusedAsPayloadTooLarge_AndNotStored()
    {
        // PROTOCOL.md §8: state travels inline up to 256 KiB as serialized; larger state goes in stateRef. A frame may
        // be 1 MiB, so a bigger inline state used to be stored and handed to every later run.resume.
        await using var fixture = await RuntimeFixture.StartAsync();
        await using var runtime = await ModelRuntime.StartAsync(fixture);
        var atLimit = Checkpoint(TypeId.New("ckpt"), 2, 1);
        atLimit["state"] = new string('a', (256 * 1024) - 2); // with its quotes exactly 256 KiB
        var over = Checkpoint(TypeId.New("ckpt"), 2, 1);
        over["state"] = new JsonObject { ["blob"] = new string('b', 256 * 1024) };

        var refused = await runtime.PublishRefusedAsync("checkpoint.saved", over);
        Assert.Equal(1030, refused.GetProperty("code").GetInt32());
        Assert.Equal("payload_too_large", refused.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(256 * 1024, refused.GetProperty("data").GetProperty("details").GetProperty("maxBytes").GetInt32());
        Assert.DoesNotContain(await runtime.EventsAsync(), e => e.GetProperty("type").GetString() == "checkpoint.saved");

        await runtime.PublishAsync(("checkpoint.saved", atLimit));
        var snapshot = await Api.GetJsonAsync(fixture.Http, $"v1/runs/{runtime.RunId}/snapshot");
        Assert.Equal(atLimit["checkpointId"]!.GetValue<string>(), snapshot.GetProperty("checkpoint").GetProperty("checkpointId").GetString());
    }
}
