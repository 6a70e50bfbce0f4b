using AgentService.Protocol.Runtime;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>A fake service per test and helpers to connect the SDK to it.</summary>
public abstract class RuntimeTestBase : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    protected FakeRuntimeService Service { get; private set; } = null!;

    public async Task InitializeAsync() => Service = await FakeRuntimeService.StartAsync();

    public async Task DisposeAsync() => await Service.DisposeAsync();

    protected RuntimeConnectionOptions Options(TimeProvider? clock = null) => new()
    {
        ServiceUrl = Service.BaseUrl,
        RunId = Ids.Run,
        AttemptId = Ids.Attempt,
        RunToken = Ids.Token,
        RuntimeInstanceId = Ids.Instance,
        TimeProvider = clock ?? TimeProvider.System,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>Connects the SDK and answers its attach (every capability granted unless <paramref name="deny"/>).</summary>
    protected async Task<(RuntimeConnection Connection, FakeConnection Socket)> ConnectAsync(
        RuntimeConnectionOptions? options = null, int heartbeatIntervalMs = 10000, params string[] deny)
    {
        var connecting = RuntimeConnection.ConnectAsync(options ?? Options());
        var socket = await Service.AcceptAsync();
        var attach = await socket.ReceiveRequestAsync(RuntimeMethods.Attach);
        await socket.ReplyAsync(attach, Frames.AttachReply(Ids.Connection1, heartbeatIntervalMs, Frames.EffectiveDenying(attach, deny)));
        return (await connecting.WaitAsync(Timeout), socket);
    }
}
