using System.Collections;
using System.Net;
using System.Net.Sockets;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Events;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Tests.Infrastructure;
using AgentService.Runtime.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentService.Runtime.Tests;

/// <summary>Several service nodes: the URL list, and the move to the next node when one is lost or unreachable.</summary>
public sealed class NodeFailoverTests : RuntimeTestBase
{
    private const string ClaimJson = $$"""{"runId":"{{Ids.Run}}","attemptId":"{{Ids.Attempt}}","runToken":"claimed-token","leaseExpiresAt":"2026-03-01T12:01:00Z"}""";

    /// <summary>A loopback URL nobody listens on (a node that is down: connections are refused).</summary>
    private static Uri DeadUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    private RuntimeConnectionOptions OptionsFor(params Uri[] urls)
    {
        var options = Options();
        options.ServiceUrls.Clear();
        foreach (var url in urls)
        {
            options.ServiceUrls.Add(url);
        }

        return options;
    }

    private static Hashtable Environment(string url) => new()
    {
        ["AGENTSERVICE_URL"] = url,
        ["AGENTSERVICE_RUN_ID"] = Ids.Run,
        ["AGENTSERVICE_ATTEMPT_ID"] = Ids.Attempt,
        ["AGENTSERVICE_RUN_TOKEN"] = Ids.Token,
    };

    [Fact]
    public void FromEnvironment_SeveralCommaSeparatedUrls_AreKeptInOrderAndTheFirstIsTheServiceUrl()
    {
        var options = RuntimeConnectionOptions.FromEnvironment(Environment(" http://10.0.0.1:8000 ,https://10.0.0.2:8443/base/,"));
        var worker = WorkerClientOptions.FromEnvironment(Environment("http://10.0.0.1:8000,http://10.0.0.2:8000"));

        Assert.Equal([new Uri("http://10.0.0.1:8000"), new Uri("https://10.0.0.2:8443/base/")], options.ServiceUrls);
        Assert.Equal(new Uri("http://10.0.0.1:8000"), options.ServiceUrl);
        Assert.Equal(new Uri("ws://10.0.0.1:8000/runtime"), options.WebSocketUri);
        Assert.Equal([new Uri("http://10.0.0.1:8000"), new Uri("http://10.0.0.2:8000")], worker.ServiceUrls);
    }

    [Theory]
    [InlineData("http://10.0.0.1:8000,ftp://10.0.0.2/", "'ftp://10.0.0.2/'")]
    [InlineData("http://10.0.0.1:8000, not a url", "'not a url'")]
    [InlineData("10.0.0.1:8000", "'10.0.0.1:8000'")]
    [InlineData(" , ,", "is not set")]
    public void FromEnvironment_ABadUrlInTheList_IsRefusedByName(string value, string named)
    {
        var connection = Assert.Throws<RuntimeConfigurationException>(() => RuntimeConnectionOptions.FromEnvironment(Environment(value)));
        var worker = Assert.Throws<RuntimeConfigurationException>(() => WorkerClientOptions.FromEnvironment(Environment(value)));

        Assert.Contains(named, connection.Message, StringComparison.Ordinal);
        Assert.Contains("AGENTSERVICE_URL", connection.Message, StringComparison.Ordinal);
        Assert.Contains(named, worker.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_WithABadOrNoUrl_ThrowsNamingItAndOpensNoSocket()
    {
        var bad = OptionsFor(Service.BaseUrl, new Uri("ftp://files.example.test/"));
        var none = OptionsFor();

        var badError = await Assert.ThrowsAsync<InvalidOperationException>(() => RuntimeConnection.ConnectAsync(bad));
        var noneError = await Assert.ThrowsAsync<InvalidOperationException>(() => RuntimeConnection.ConnectAsync(none));
        var workerError = Assert.Throws<InvalidOperationException>(() => new WorkerClient(new HttpClient(), new WorkerClientOptions { ServiceUrls = { Service.BaseUrl, new Uri("/relative", UriKind.Relative) } }));

        Assert.Contains("'ftp://files.example.test/'", badError.Message, StringComparison.Ordinal);
        Assert.Contains("No service URL", noneError.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => none.ServiceUrl);
        Assert.Contains("'/relative'", workerError.Message, StringComparison.Ordinal);
        Assert.False(Service.HasPendingSocket);
    }

    [Fact]
    public void ServiceUrl_SetReplacesTheListWithOneUrl()
    {
        var options = OptionsFor(new Uri("http://10.0.0.1:8000"), new Uri("http://10.0.0.2:8000"));

        options.ServiceUrl = new Uri("http://10.0.0.3:8000");

        Assert.Equal([new Uri("http://10.0.0.3:8000")], options.ServiceUrls);
    }

    [Fact]
    public async Task Connect_FirstNodeRefusesTheSocket_AttachesToTheNextWithEpochZero()
    {
        var (connection, socket) = await ConnectAsync(OptionsFor(DeadUrl(), Service.BaseUrl));
        await using var _1 = connection;

        var attach = socket.ReceivedRequests.Single(r => r.GetProperty("method").GetString() == RuntimeMethods.Attach);
        Assert.Equal(0, attach.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        Assert.False(attach.GetProperty("params").GetProperty("reconnect").GetBoolean());
        Assert.Equal(Service.BaseUrl, connection.ServiceUrl);
        Assert.Equal(RuntimeConnectionState.Attached, connection.State);
    }

    [Fact]
    public async Task Connect_EveryNodeRefuses_FailsNamingEveryNode()
    {
        var first = DeadUrl();
        var second = DeadUrl();
        var options = OptionsFor(first, second);
        options.ConnectTimeout = TimeSpan.FromMilliseconds(300);

        var error = await Assert.ThrowsAsync<RuntimeConnectionException>(() => RuntimeConnection.ConnectAsync(options));

        Assert.Contains(first.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(second.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryNodeGone_ReconnectingStopsAfterTheReconnectTimeout_AndTheConnectionFails()
    {
        var node = await FakeRuntimeService.StartAsync();
        var options = OptionsFor(node.BaseUrl);
        options.ReconnectMinDelay = TimeSpan.FromMilliseconds(20);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(100);
        options.ReconnectTimeout = TimeSpan.FromMilliseconds(600);
        var connecting = RuntimeConnection.ConnectAsync(options);
        var socket = await node.AcceptAsync();
        var attach = await socket.ReceiveRequestAsync(RuntimeMethods.Attach);
        await socket.ReplyAsync(attach, Frames.AttachReply(Ids.Connection1, 10000, Frames.EffectiveDenying(attach)));
        await using var connection = await connecting.WaitAsync(Timeout);

        // The only node goes away for good: its port refuses every re-attach.
        await socket.CloseAsync(RuntimeCloseCodes.ServiceRestart, "stopping");
        await node.DisposeAsync();

        var error = await Assert.ThrowsAsync<RuntimeConnectionException>(() => connection.Completion.WaitAsync(Timeout));
        Assert.Contains("re-attach", error.Message, StringComparison.Ordinal);
        Assert.Contains(node.BaseUrl.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(RuntimeConnectionState.Closed, connection.State);
        await Assert.ThrowsAnyAsync<Exception>(() => connection.PublishAsync([OutputEvents.Log("info", "too late")]));
    }

    [Fact]
    public async Task NodeRestarts_TheRuntimeMovesToTheNextNodeRoundRobin_RecoversAndResendsUnacknowledgedOutput()
    {
        await using var nodeB = await FakeRuntimeService.StartAsync();
        var (connection, onA) = await ConnectAsync(OptionsFor(Service.BaseUrl, nodeB.BaseUrl));
        await using var _1 = connection;
        Assert.Equal(Service.BaseUrl, connection.ServiceUrl);
        var publish = connection.PublishAsync([OutputEvents.Log("info", "before the restart")]);
        var unanswered = await onA.ReceiveRequestAsync(RuntimeMethods.OutputEvent);

        await onA.CloseAsync(RuntimeCloseCodes.ServiceRestart, "node A restarting");

        var onB = await nodeB.AcceptAsync();
        var attach = await onB.AcceptAttachAsync(Ids.Connection2);
        Assert.True(attach.GetProperty("params").GetProperty("reconnect").GetBoolean());
        Assert.Equal(1, attach.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        await onB.ReplyAsync(await onB.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        var resent = await onB.ReceiveRequestAsync(RuntimeMethods.OutputEvent);
        Assert.Equal(unanswered.GetProperty("params").GetProperty("events").GetRawText(), resent.GetProperty("params").GetProperty("events").GetRawText());
        await onB.ReplyAsync(resent, """{"accepted":true}""");
        await publish.WaitAsync(Timeout);
        Assert.Equal(nodeB.BaseUrl, connection.ServiceUrl);
        Assert.False(Service.HasPendingSocket);

        // Losing B (no close frame: killed) goes back to A: round robin.
        onB.Abort();
        var againOnA = await Service.AcceptAsync();
        var third = await againOnA.AcceptAttachAsync("rtc_01kjmma2sgepnt9mh6md1smrkz");
        Assert.Equal(2, third.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        await againOnA.ReplyAsync(await againOnA.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        await Waits.AttachedAsync(connection);
        Assert.Equal(Service.BaseUrl, connection.ServiceUrl);
    }

    [Fact]
    public async Task Reconnect_ADeadNodeInBetween_IsSkippedWithTheBackoff()
    {
        await using var nodeC = await FakeRuntimeService.StartAsync();
        var (connection, onA) = await ConnectAsync(OptionsFor(Service.BaseUrl, DeadUrl(), nodeC.BaseUrl));
        await using var _1 = connection;

        onA.Abort();

        var onC = await nodeC.AcceptAsync();
        var attach = await onC.AcceptAttachAsync(Ids.Connection2);
        Assert.Equal(1, attach.GetProperty("params").GetProperty("connectionEpoch").GetInt64());
        await onC.ReplyAsync(await onC.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        await Waits.AttachedAsync(connection);
        Assert.Equal(nodeC.BaseUrl, connection.ServiceUrl);
        Assert.False(Service.HasPendingSocket);
    }

    [Fact]
    public async Task ArtifactUpload_GoesToTheNodeTheConnectionMovedTo_AndSkipsAnUnreachableNode()
    {
        await using var nodeB = await FakeRuntimeService.StartAsync();
        var uploads = new List<(string Node, string Path, string Auth)>();
        Task Answer(HttpContext context, string node)
        {
            lock (uploads)
            {
                uploads.Add((node, context.Request.Path, context.Request.Headers.Authorization.ToString()));
            }

            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"artifactId":"art_01kjmma2sgepnt9mh6md1smrkw","uri":"artifact://art_01kjmma2sgepnt9mh6md1smrkw","mediaType":"application/json","sizeBytes":2}""");
        }

        Service.ArtifactHandler = context => Answer(context, "A");
        nodeB.ArtifactHandler = context => Answer(context, "B");
        var (connection, onA) = await ConnectAsync(OptionsFor(Service.BaseUrl, nodeB.BaseUrl));
        await using var _1 = connection;
        var artifacts = new RunArtifacts(connection.Endpoints, Ids.Token);
        await artifacts.UploadAsync(Ids.Run, "{}"u8.ToArray(), "state.json", CancellationToken.None);

        onA.Abort();
        var onB = await nodeB.AcceptAsync();
        await onB.AcceptAttachAsync(Ids.Connection2);
        await onB.ReplyAsync(await onB.ReceiveRequestAsync(RuntimeMethods.Recover), """{"accepted":true}""");
        await Waits.AttachedAsync(connection);
        await artifacts.UploadAsync(Ids.Run, "{}"u8.ToArray(), "state.json", CancellationToken.None);

        Assert.Equal([("A", $"/v1/runs/{Ids.Run}/artifacts", $"Bearer {Ids.Token}"), ("B", $"/v1/runs/{Ids.Run}/artifacts", $"Bearer {Ids.Token}")], uploads);

        // A node that refuses the HTTP connection is skipped for the next one; the socket then follows.
        var endpoints = new ServiceEndpoints([DeadUrl(), nodeB.BaseUrl], NullLogger.Instance);
        await new RunArtifacts(endpoints, Ids.Token).UploadAsync(Ids.Run, "{}"u8.ToArray(), "state.json", CancellationToken.None);
        Assert.Equal("B", uploads[^1].Node);
        Assert.Equal(nodeB.BaseUrl, endpoints.Current.Url);
    }

    [Fact]
    public async Task HttpCall_EveryNodeUnreachable_ThrowsAfterTryingEachOnce()
    {
        var endpoints = new ServiceEndpoints([DeadUrl(), DeadUrl()], NullLogger.Instance);
        var tried = new List<Uri>();
        using var http = new HttpClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => endpoints.SendAsync(http, url =>
        {
            tried.Add(url);
            return new HttpRequestMessage(HttpMethod.Get, url);
        }, CancellationToken.None));

        Assert.Equal(endpoints.Urls, tried);
        Assert.Equal(endpoints.Urls[0], endpoints.Current.Url);
    }

    [Fact]
    public async Task Worker_FirstNodeUnreachable_ClaimsFromTheNextAndTheRunConnectsThereFirst()
    {
        var dead = DeadUrl();
        var claims = 0;
        Service.ClaimHandler = context =>
        {
            Interlocked.Increment(ref claims);
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(ClaimJson);
        };
        var worker = new WorkerClient(new HttpClient { Timeout = TimeSpan.FromSeconds(60) }, new WorkerClientOptions { ServiceUrls = { dead, Service.BaseUrl }, WorkerId = "worker-1" });

        var claim = await worker.ClaimAsync("agent");

        Assert.NotNull(claim);
        Assert.Equal(1, claims);
        Assert.Equal(Service.BaseUrl, worker.ServiceUrl);
        var options = worker.ConnectionOptionsFor(claim);
        Assert.Equal([Service.BaseUrl, dead], options.ServiceUrls);
        Assert.Equal("claimed-token", options.RunToken);
    }

    [Fact]
    public async Task Worker_ANodeAnsweringAnError_IsNotSkipped()
    {
        await using var nodeB = await FakeRuntimeService.StartAsync();
        Service.ClaimHandler = context =>
        {
            context.Response.StatusCode = 401;
            return Task.CompletedTask;
        };
        nodeB.ClaimHandler = context => context.Response.WriteAsync(ClaimJson);
        var worker = new WorkerClient(new HttpClient(), new WorkerClientOptions { ServiceUrls = { Service.BaseUrl, nodeB.BaseUrl } });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => worker.ClaimAsync("agent"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(Service.BaseUrl, worker.ServiceUrl);
    }
}
