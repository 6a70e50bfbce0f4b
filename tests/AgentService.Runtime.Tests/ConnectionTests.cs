using System.Collections;
using System.Diagnostics;
using System.Text.Json;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Tests.Infrastructure;

namespace AgentService.Runtime.Tests;

public sealed class ConnectionTests : RuntimeTestBase
{
    [Fact]
    public async Task Attach_FirstFrame_CarriesBearerTokenAndMatchesTheSpecExampleShape()
    {
        var options = Options();
        options.Capabilities.Clear();
        foreach (var capability in JsonShape.Load("frame-00-runtime.connection.attach.command.json").GetProperty("params").GetProperty("sdkCapabilities").EnumerateArray())
        {
            options.Capabilities.Add(new SdkCapability
            {
                Surface = capability.GetProperty("surface").GetString()!,
                Name = capability.GetProperty("name").GetString()!,
                SupportLevel = capability.GetProperty("supportLevel").GetString()!,
            });
        }

        using var activity = new Activity("attach-test").SetIdFormat(ActivityIdFormat.W3C).Start();
        var connecting = RuntimeConnection.ConnectAsync(options);
        var socket = await Service.AcceptAsync();
        var attach = await socket.AcceptAttachAsync();
        await using var connection = await connecting.WaitAsync(Timeout);

        Assert.Equal("Bearer " + Ids.Token, socket.Authorization);
        Assert.Equal("/runtime", socket.Path);
        var example = JsonShape.Load("frame-00-runtime.connection.attach.command.json");
        Assert.Equal(JsonShape.Of(example), JsonShape.Of(attach));
        var p = attach.GetProperty("params");
        Assert.Equal(example.GetProperty("params").GetProperty("sdkCapabilities").GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal),
            p.GetProperty("sdkCapabilities").GetRawText());
        Assert.Equal(Ids.Run, p.GetProperty("runId").GetString());
        Assert.Equal(Ids.Attempt, p.GetProperty("attemptId").GetString());
        Assert.Equal("v1", p.GetProperty("protocolVersion").GetString());
        Assert.False(p.GetProperty("reconnect").GetBoolean());
        Assert.Equal(0, p.GetProperty("connectionEpoch").GetInt64());
        Assert.Equal(activity.Id, attach.GetProperty("traceparent").GetString());
        Assert.Equal(1, attach.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task Attach_Reply_ExposesSessionConfigVersionAndEffectiveCapabilities()
    {
        var (connection, _) = await ConnectAsync(deny: [CapabilityNames.KvWrite]);
        await using var _1 = connection;

        Assert.Equal(Ids.Session, connection.SessionId);
        Assert.Equal(Ids.Connection1, connection.RuntimeConnectionId);
        Assert.Equal("cfg-17", connection.ConfigVersion);
        Assert.Equal(TimeSpan.FromSeconds(10), connection.HeartbeatInterval);
        Assert.Equal(RuntimeConnectionState.Attached, connection.State);
        Assert.True(connection.IsEffective(CapabilityNames.KvRead));
        Assert.False(connection.IsEffective(CapabilityNames.KvWrite));
        Assert.Contains(connection.EffectiveCapabilities, c => c is { Name: CapabilityNames.KvWrite, SupportLevel: SupportLevels.Unsupported });
        Assert.False(connection.WorkToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Call_NeedingACapabilityThatIsNotEffective_FailsLocallyWithoutAFrame()
    {
        var (connection, socket) = await ConnectAsync(deny: [CapabilityNames.KvWrite, CapabilityNames.SecretsRead]);
        await using var _1 = connection;

        var error = await Assert.ThrowsAsync<RuntimeProtocolException>(() => connection.SetKvAsync(new Dictionary<string, string> { ["a"] = "b" }));
        Assert.Equal(RuntimeErrorCodes.CapabilityNotNegotiated, error.Code);
        Assert.Equal("capability_not_negotiated", error.Reason);
        Assert.True(error.IsLocal);
        Assert.Equal("""{"requiredCapabilities":[{"surface":"core","name":"kv.write"}]}""", error.Details!.Value.GetRawText());
        await Assert.ThrowsAsync<RuntimeProtocolException>(() => connection.GetSecretsAsync());

        // The next frame on the wire is the allowed call, not the refused ones.
        var reading = connection.GetKvAsync(["k"]);
        var request = await socket.ReceiveRequestAsync(RuntimeMethods.KvGet);
        await socket.ReplyAsync(request, """{"kv":{}}""");
        Assert.Empty(await reading.WaitAsync(Timeout));
    }

    [Fact]
    public async Task TypedCalls_SecretsConfigAndKv_SendTheSpecFramesAndReturnTheResults()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var secrets = connection.GetSecretsAsync(["GITHUB_TOKEN", "NOT_GRANTED"]);
        var secretsRequest = await socket.ReceiveRequestAsync(RuntimeMethods.SecretsGet);
        Assert.Equal(JsonShape.Of(JsonShape.Load("frame-08-runtime.connection.secrets.get.command.json")), JsonShape.Of(secretsRequest));
        Assert.Equal(Ids.Connection1, secretsRequest.GetProperty("params").GetProperty("runtimeConnectionId").GetString());
        await socket.ReplyAsync(secretsRequest, """{"secrets":{"GITHUB_TOKEN":"example-github-token"}}""");
        Assert.Equal("example-github-token", Assert.Single(await secrets.WaitAsync(Timeout)).Value);

        var config = connection.GetConfigAsync();
        var configRequest = await socket.ReceiveRequestAsync(RuntimeMethods.ConfigGet);
        Assert.Equal(JsonShape.Of(JsonShape.Load("frame-06-runtime.connection.config.get.command.json")), JsonShape.Of(configRequest));
        await socket.ReplyAsync(configRequest, """{"config":{"model":{"id":"claude-example"}}}""");
        Assert.Equal("claude-example", (await config.WaitAsync(Timeout)).GetProperty("model").GetProperty("id").GetString());

        var kv = connection.GetKvAsync(["repo.default_branch", "missing.key"]);
        var kvRequest = await socket.ReceiveRequestAsync(RuntimeMethods.KvGet);
        Assert.Equal(JsonShape.Of(JsonShape.Load("frame-10-runtime.connection.kv.get.command.json")), JsonShape.Of(kvRequest));
        await socket.ReplyAsync(kvRequest, """{"kv":{"repo.default_branch":"main"}}""");
        Assert.Equal("main", (await kv.WaitAsync(Timeout))["repo.default_branch"]);

        var set = connection.SetKvAsync(new Dictionary<string, string> { ["repo.last_pr"] = "17", ["repo.default_branch"] = "main" });
        var setRequest = await socket.ReceiveRequestAsync(RuntimeMethods.KvSet);
        Assert.Equal(JsonShape.Of(JsonShape.Load("frame-12-runtime.connection.kv.set.command.json")), JsonShape.Of(setRequest));
        await socket.ReplyAsync(setRequest, """{"accepted":true}""");
        await set.WaitAsync(Timeout);

        // Ids are unique per connection: 1 was the attach.
        Assert.Equal([2L, 3L, 4L, 5L], socket.ReceivedRequests.Skip(1).Select(r => r.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task Requests_ArePipelined_AndRepliesAreMatchedById()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var first = connection.GetKvAsync(["a"]);
        var second = connection.GetKvAsync(["b"]);
        var firstRequest = await socket.ReceiveRequestAsync(RuntimeMethods.KvGet);
        var secondRequest = await socket.ReceiveRequestAsync(RuntimeMethods.KvGet);
        await socket.ReplyAsync(secondRequest, """{"kv":{"b":"2"}}""");
        await socket.ReplyAsync(firstRequest, """{"kv":{"a":"1"}}""");

        Assert.Equal("1", (await first.WaitAsync(Timeout))["a"]);
        Assert.Equal("2", (await second.WaitAsync(Timeout))["b"]);
    }

    [Theory]
    [InlineData(RuntimeErrorCodes.SequenceGap, null, """{"expectedSeq":18}""", true)]
    [InlineData(RuntimeErrorCodes.InvalidParams, null, """{"errors":[{"pointer":"/params/kv/count","message":"must be a string"}]}""", false)]
    [InlineData(RuntimeErrorCodes.RateLimited, null, null, true)]
    [InlineData(RuntimeErrorCodes.Forbidden, null, null, false)]
    public async Task ErrorReply_IsMappedToATypedException(int code, string? fatal, string? details, bool retryable)
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var call = connection.GetKvAsync(["a"]);
        var request = await socket.ReceiveRequestAsync(RuntimeMethods.KvGet);
        await socket.ErrorAsync(request, code, fatal, details, retryAfterMs: code == RuntimeErrorCodes.RateLimited ? 250 : null);

        var error = await Assert.ThrowsAsync<RuntimeProtocolException>(() => call.WaitAsync(Timeout));
        Assert.Equal(code, error.Code);
        Assert.Equal(RuntimeErrorCodes.ReasonOf(code), error.Reason);
        Assert.Equal(retryable, error.Retryable);
        Assert.False(error.IsLocal);
        Assert.Equal(details, error.Details?.GetRawText());
        if (code == RuntimeErrorCodes.RateLimited)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(250), error.RetryAfter);
        }

        if (code == RuntimeErrorCodes.SequenceGap)
        {
            Assert.Equal(18, error.ExpectedSeq);
        }

        Assert.Equal(RuntimeConnectionState.Attached, connection.State);
    }

    [Fact]
    public async Task ErrorReply_FatalForTheConnection_EndsTheConnection()
    {
        var (connection, socket) = await ConnectAsync();
        await using var _1 = connection;

        var call = connection.GetConfigAsync();
        var request = await socket.ReceiveRequestAsync(RuntimeMethods.ConfigGet);
        await socket.ErrorAsync(request, RuntimeErrorCodes.ConnectionSuperseded, FatalScopes.Connection);

        var error = await Assert.ThrowsAsync<RuntimeProtocolException>(() => call.WaitAsync(Timeout));
        Assert.Equal("connection_superseded", error.Reason);
        Assert.Equal(FatalScopes.Connection, error.Fatal);
        var ended = await Assert.ThrowsAsync<RuntimeConnectionException>(() => connection.Completion.WaitAsync(Timeout));
        Assert.Equal(FatalScopes.Connection, ended.Fatal);
        Assert.True(connection.WorkToken.IsCancellationRequested);
        Assert.Equal(RuntimeConnectionState.Closed, connection.State);
        await Assert.ThrowsAsync<RuntimeConnectionException>(() => connection.GetKvAsync(["a"]));
    }

    [Theory]
    [InlineData(RuntimeErrorCodes.AttemptSuperseded, FatalScopes.Attempt)]
    [InlineData(RuntimeErrorCodes.UnsupportedProtocolVersion, FatalScopes.Connection)]
    [InlineData(RuntimeErrorCodes.InstanceMismatch, FatalScopes.Connection)]
    public async Task Attach_RefusedForGood_ThrowsRuntimeConnectionException(int code, string fatal)
    {
        var connecting = RuntimeConnection.ConnectAsync(Options());
        var socket = await Service.AcceptAsync();
        var attach = await socket.ReceiveRequestAsync(RuntimeMethods.Attach);
        await socket.ErrorAsync(attach, code, fatal);

        var error = await Assert.ThrowsAsync<RuntimeConnectionException>(() => connecting.WaitAsync(Timeout));
        Assert.Equal(fatal, error.Fatal);
        Assert.Equal(code, Assert.IsType<RuntimeProtocolException>(error.InnerException).Code);
        Assert.False(Service.HasPendingSocket);
    }

    [Fact]
    public async Task Attach_EpochFencedForANewProcess_TakesOverAboveTheStoredEpoch()
    {
        var connecting = RuntimeConnection.ConnectAsync(Options());
        var first = await Service.AcceptAsync();
        var attach = await first.ReceiveRequestAsync(RuntimeMethods.Attach);
        await first.ErrorAsync(attach, RuntimeErrorCodes.EpochFenced, FatalScopes.Connection, """{"storedEpoch":3}""");

        var second = await Service.AcceptAsync();
        var retry = await second.AcceptAttachAsync();
        await using var connection = await connecting.WaitAsync(Timeout);

        Assert.Equal(4, retry.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        Assert.False(retry.GetProperty("params").GetProperty("reconnect").GetBoolean());
        Assert.Equal(4, connection.ConnectionEpoch);
    }

    [Fact]
    public async Task Upgrade_RefusedWith401_IsFatalAndUnauthenticated()
    {
        Service.RefuseUpgradeWith = 401;

        var error = await Assert.ThrowsAsync<RuntimeConnectionException>(() => RuntimeConnection.ConnectAsync(Options()).WaitAsync(Timeout));

        Assert.Equal(RuntimeCloseCodes.Unauthenticated, error.CloseStatus);
    }

    [Fact]
    public void Options_FromEnvironment_ReadTheLauncherVariables()
    {
        var options = RuntimeConnectionOptions.FromEnvironment(new Hashtable
        {
            ["AGENTSERVICE_URL"] = "https://svc.example.test:8443/base/",
            ["AGENTSERVICE_RUN_ID"] = Ids.Run,
            ["AGENTSERVICE_ATTEMPT_ID"] = Ids.Attempt,
            ["AGENTSERVICE_RUN_TOKEN"] = Ids.Token,
        });

        Assert.Equal(new Uri("wss://svc.example.test:8443/base/runtime"), options.WebSocketUri);
        Assert.Equal(Ids.Run, options.RunId);
        Assert.Equal(Ids.Attempt, options.AttemptId);
        Assert.Equal(Ids.Token, options.RunToken);
        Assert.StartsWith("rti_", options.RuntimeInstanceId, StringComparison.Ordinal);
        Assert.Equal(RuntimeInstance.Id, options.RuntimeInstanceId);
        Assert.Contains(options.Capabilities, c => c is { Name: CapabilityNames.Tracing, SupportLevel: SupportLevels.Polyfilled });
        Assert.Equal(new Uri("ws://127.0.0.1:5000/runtime"), new RuntimeConnectionOptions
        {
            ServiceUrl = new Uri("http://127.0.0.1:5000"),
            RunId = "r",
            AttemptId = "a",
            RunToken = "t",
        }.WebSocketUri);
    }

    [Theory]
    [InlineData("AGENTSERVICE_RUN_TOKEN")]
    [InlineData("AGENTSERVICE_URL")]
    public void Options_FromEnvironment_MissingVariable_Throws(string missing)
    {
        var environment = new Hashtable
        {
            ["AGENTSERVICE_URL"] = "http://127.0.0.1:1",
            ["AGENTSERVICE_RUN_ID"] = Ids.Run,
            ["AGENTSERVICE_ATTEMPT_ID"] = Ids.Attempt,
            ["AGENTSERVICE_RUN_TOKEN"] = Ids.Token,
        };
        environment.Remove(missing);

        var error = Assert.Throws<RuntimeConfigurationException>(() => RuntimeConnectionOptions.FromEnvironment(environment));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
