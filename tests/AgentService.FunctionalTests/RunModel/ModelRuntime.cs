using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Schema;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.RunModel;

/// <summary>A task of the worker agent claimed and attached over a raw WebSocket, publishing events with its own seq.</summary>
internal sealed class ModelRuntime : IAsyncDisposable
{
    public const string Workers = "agents/workers/ap/v1/agent";

    public static readonly string[] Capabilities =
        ["input.receive", "output.publish", "tool.call", "interaction.request", "checkpoint.save", "checkpoint.load"];

    private long _seq;

    private ModelRuntime(RuntimeFixture fixture, LaunchedRuntime claim, RawRuntime socket, string connectionId)
    {
        Fixture = fixture;
        Claim = claim;
        Socket = socket;
        ConnectionId = connectionId;
    }

    public RuntimeFixture Fixture { get; }

    public LaunchedRuntime Claim { get; }

    public RawRuntime Socket { get; }

    public string ConnectionId { get; }

    public string RunId => Claim.RunId;

    /// <summary>Creates a task with a step, claims it and attaches; acknowledges task.start and the step input.</summary>
    public static async Task<ModelRuntime> StartAsync(RuntimeFixture fixture, string input = "go")
    {
        var taskId = await Api.CreateTaskAsync(fixture.Http, "the task", Workers);
        await fixture.PostStepAsync(taskId, input, Workers);
        var claim = await fixture.ClaimAsync("model-worker") ?? throw new InvalidOperationException("nothing to claim");
        var socket = await RawRuntime.ConnectAsync(claim.ServiceUrl, claim.Token);
        var attach = await socket.AttachAsync(claim.RunId, claim.AttemptId, capabilities: Capabilities);
        var runtime = new ModelRuntime(fixture, claim, socket, attach.GetProperty("result").GetProperty("runtimeConnectionId").GetString()!);
        for (var i = 0; i < 2; i++)
        {
            var (requestId, _) = await socket.NextDeliveryAsync();
            await socket.AcknowledgeAsync(requestId);
        }

        await runtime.PublishAsync(("run.started", new JsonObject { ["attemptNumber"] = 1 }));
        return runtime;
    }

    /// <summary>Publishes one batch; asserts it was accepted.</summary>
    public async Task PublishAsync(params (string Type, JsonObject Data)[] events)
    {
        var batch = events.Select(e =>
        {
            var stamped = RuntimeFixture.Event(e.Type, Claim, ++_seq, e.Data);
            if (e.Type.EndsWith(".delta", StringComparison.Ordinal) || e.Type.EndsWith(".progress", StringComparison.Ordinal))
            {
                stamped["ephemeral"] = true;
            }

            return stamped;
        }).ToArray();
        var reply = await Socket.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(ConnectionId, Claim, batch));
        Assert.True(reply.TryGetProperty("result", out var result) && result.GetProperty("accepted").GetBoolean(), reply.ToString());
    }

    /// <summary>Publishes one batch and returns the error reply.</summary>
    public async Task<JsonElement> PublishRefusedAsync(string type, JsonObject data)
    {
        var reply = await Socket.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(ConnectionId, Claim, RuntimeFixture.Event(type, Claim, _seq + 1, data)));
        Assert.True(reply.TryGetProperty("error", out var error), reply.ToString());
        return error;
    }

    /// <summary>Every stored event of the run, in order; each is checked against the output-event schema.</summary>
    public async Task<List<JsonElement>> EventsAsync()
    {
        var page = await Api.GetJsonAsync(Fixture.Http, $"v1/runs/{RunId}/events?limit=1000");
        var events = page.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
        foreach (var e in events)
        {
            var validation = RuntimeProtocolSchemas.Set.Validate(e, RuntimeProtocolSchemas.OutputEvent);
            Assert.True(validation.IsValid, $"{e}: {validation}");
        }

        return events;
    }

    public ValueTask DisposeAsync() => Socket.DisposeAsync();
}
