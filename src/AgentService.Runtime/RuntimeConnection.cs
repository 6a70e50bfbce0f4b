using System.Threading.Channels;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Transport;
using Microsoft.Extensions.Logging;

namespace AgentService.Runtime;

/// <summary>
/// The runtime side of the runtime connection protocol over one WebSocket at a time. Create it with
/// <see cref="ConnectAsync"/> (options explicit or from the environment); it attaches, then keeps itself attached:
/// heartbeats on the service's schedule, self-fencing when the lease lapses on the monotonic clock, reconnects with
/// jittered backoff and a higher epoch, recovers the main run and live local sub-runs first, and resends unanswered
/// requests in order. See docs/runtime-sdk.md.
/// </summary>
public sealed partial class RuntimeConnection : IRuntimeConnection
{
    private readonly RuntimeConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Dictionary<string, RunState> _runs = new(StringComparer.Ordinal);
    private readonly RunState _main;
    private readonly Channel<InputDelivery> _deliveries = Channel.CreateUnbounded<InputDelivery>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<OutboundCall> _unanswered = [];
    private readonly SemaphoreSlim _callGate = new(1, 1);
    private readonly List<Task> _background = [];
    private readonly ServiceEndpoints _endpoints;

    private RpcSocket? _socket;
    private bool _ready;
    private TaskCompletionSource _unfenced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RuntimeConnectionState _state = RuntimeConnectionState.Connecting;
    private long _epoch;
    private bool _epochUsed;
    private bool _fenced;
    private bool _cancelRequested;
    private bool _disposed;
    private CancellationTokenSource _work = new();
    private long _lastAcceptedTimestamp;
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(10);
    private DateTimeOffset _nextHeartbeatDueAt;
    private Exception? _failure;
    private RuntimeAttachResponse? _attach;

    private RuntimeConnection(RuntimeConnectionOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _logger = options.LoggerFactory.CreateLogger<RuntimeConnection>();
        _endpoints = new ServiceEndpoints(options.ServiceUrls, _logger);
        _main = new RunState(options.RunId, options.AttemptId, options.RunId);
        _runs[options.RunId] = _main;
        _epoch = options.InitialEpoch;
    }

    /// <summary>Connects and attaches (retrying transient failures for <see cref="RuntimeConnectionOptions.ConnectTimeout"/>).</summary>
    /// <exception cref="RuntimeConnectionException">The attach was refused for good (bad token, wrong version, lost attempt, ...).</exception>
    public static async Task<RuntimeConnection> ConnectAsync(RuntimeConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var connection = new RuntimeConnection(options);
        try
        {
            await connection.ConnectFirstAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        lock (connection._lock)
        {
            connection._background.Add(Task.Run(connection.RunAsync, CancellationToken.None));
            connection._background.Add(Task.Run(connection.WatchLeaseAsync, CancellationToken.None));
        }

        return connection;
    }

    /// <summary>Connects with the launcher's environment variables (see <see cref="RuntimeConnectionOptions.FromEnvironment"/>).</summary>
    public static Task<RuntimeConnection> ConnectFromEnvironmentAsync(CancellationToken cancellationToken = default) =>
        ConnectAsync(RuntimeConnectionOptions.FromEnvironment(), cancellationToken);

    /// <inheritdoc />
    public string RunId => _options.RunId;

    /// <inheritdoc />
    public string AttemptId => _options.AttemptId;

    /// <inheritdoc />
    public string RuntimeInstanceId => _options.RuntimeInstanceId;

    /// <inheritdoc />
    public Uri ServiceUrl => _endpoints.Current.Url;

    /// <summary>The service nodes and the one in use, shared with the SDK's HTTP calls for this run.</summary>
    internal ServiceEndpoints Endpoints => _endpoints;

    /// <inheritdoc />
    public string RuntimeConnectionId
    {
        get
        {
            lock (_lock)
            {
                return _attach?.RuntimeConnectionId ?? throw new InvalidOperationException("Not attached yet.");
            }
        }
    }

    /// <inheritdoc />
    public string SessionId
    {
        get
        {
            lock (_lock)
            {
                return _attach?.SessionId ?? throw new InvalidOperationException("Not attached yet.");
            }
        }
    }

    /// <inheritdoc />
    public string? ConfigVersion
    {
        get
        {
            lock (_lock)
            {
                return _attach?.ConfigVersion;
            }
        }
    }

    /// <inheritdoc />
    public long ConnectionEpoch
    {
        get
        {
            lock (_lock)
            {
                return _epoch;
            }
        }
    }

    /// <inheritdoc />
    public TimeSpan HeartbeatInterval
    {
        get
        {
            lock (_lock)
            {
                return _heartbeatInterval;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<SdkCapability> EffectiveCapabilities
    {
        get
        {
            lock (_lock)
            {
                return _attach?.EffectiveSdkCapabilities ?? [];
            }
        }
    }

    /// <inheritdoc />
    public RuntimeConnectionState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <inheritdoc />
    public CancellationToken WorkToken
    {
        get
        {
            lock (_lock)
            {
                return _work.Token;
            }
        }
    }

    /// <inheritdoc />
    public bool IsCancellationRequested
    {
        get
        {
            lock (_lock)
            {
                return _cancelRequested;
            }
        }
    }

    /// <inheritdoc />
    public Task Completion => _completion.Task;

    /// <inheritdoc />
    public IReadOnlyList<string> LocalSubRuns
    {
        get
        {
            lock (_lock)
            {
                return [.. _runs.Values.Where(r => r != _main).Select(r => r.RunId)];
            }
        }
    }

    /// <inheritdoc />
    public bool IsEffective(string name, string surface = CapabilitySurfaces.Core)
    {
        lock (_lock)
        {
            return _attach?.EffectiveSdkCapabilities.Any(c => c.Name == name && c.Surface == surface && c.IsSupported) ?? false;
        }
    }

    /// <inheritdoc />
    public void AddLocalSubRun(string childRunId, string? rootRunId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(childRunId);
        lock (_lock)
        {
            if (!_runs.ContainsKey(childRunId))
            {
                _runs[childRunId] = new RunState(childRunId, attemptId: null, rootRunId ?? _main.RootRunId);
            }
        }
    }

    /// <summary>Closes the socket normally (1000) and stops; unfinished publishes and calls fail.</summary>
    public async ValueTask DisposeAsync()
    {
        RpcSocket? socket;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            socket = _socket;
        }

        Fail(new RuntimeConnectionException("The runtime connection was disposed.", RuntimeCloseCodes.Normal, null), disposing: true);
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (socket is not null)
        {
            await socket.DisposeAsync().ConfigureAwait(false);
        }

        Task[] background;
        lock (_lock)
        {
            background = [.. _background];
        }

        try
        {
            await Task.WhenAll(background).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or RuntimeConnectionException)
        {
            // Background loops end by cancellation or with the connection; disposing never throws their errors.
        }

        _work.Dispose();
        _lifetime.Dispose();
        _callGate.Dispose();
    }

    private void ThrowIfFailedLocked()
    {
        if (_failure is not null)
        {
            throw _failure as RuntimeConnectionException ?? new RuntimeConnectionException(_failure.Message, _failure);
        }
    }

    /// <summary>Ends the connection for good: fails everything waiting and cancels the work.</summary>
    private void Fail(Exception error, bool disposing = false)
    {
        List<OutboundCall> calls;
        List<PublishWaiter> waiters;
        RpcSocket? socket;
        CancellationTokenSource work;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = error;
            _state = RuntimeConnectionState.Closed;
            _ready = false;
            calls = [.. _unanswered];
            _unanswered.Clear();
            waiters = [.. _runs.Values.SelectMany(r => r.Waiters)];
            foreach (var run in _runs.Values)
            {
                run.Waiters.Clear();
            }

            socket = _socket;
            work = _work;
            _unfenced.TrySetResult();
        }

        if (!disposing)
        {
            Log.ConnectionFailed(_logger, error.Message, error.InnerException);
        }

        work.Cancel();
        foreach (var call in calls)
        {
            call.Fail(error);
        }

        foreach (var waiter in waiters)
        {
            waiter.Fail(error);
        }

        if (disposing)
        {
            _deliveries.Writer.TryComplete();
            _completion.TrySetResult();
        }
        else
        {
            _deliveries.Writer.TryComplete(error);
            _completion.TrySetException(error);
            if (socket is not null)
            {
                _ = socket.CloseAsync(RuntimeCloseCodes.Normal, "runtime stopping");
            }
        }
    }
}
