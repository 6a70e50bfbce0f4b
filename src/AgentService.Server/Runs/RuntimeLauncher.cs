using System.Collections.Concurrent;
using System.Diagnostics;
using AgentService.Protocol.Ids;
using AgentService.Server.Agents;
using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Runs;

/// <summary>
/// Starts runtime processes for runs of agents with a <c>runtime</c> definition, when a run has work (a pending
/// input beyond task.start) and no runtime holds it. Each process is one attempt with its own run token, given in
/// its environment (AGENTSERVICE_URL, _RUN_ID, _ATTEMPT_ID, _RUN_TOKEN); its stdout and stderr go to
/// <c>&lt;data-dir&gt;/runs/&lt;run&gt;/&lt;attempt&gt;.log</c>. A process that exits, or an attempt that loses its
/// lease, with work pending gets a new attempt after a backoff, up to <see cref="RuntimeOptions.MaxAttempts"/>;
/// then the run fails with the reason recorded. Processes are stopped when the service stops.
/// </summary>
internal sealed class RuntimeLauncher(
    AgentCatalog agents,
    IRunStore runs,
    IDeliveryStore deliveries,
    RuntimeSignals signals,
    IServer server,
    TimeProvider time,
    IOptions<AgentServiceOptions> serviceOptions,
    IOptions<RuntimeOptions> options,
    IStorageHealth storage,
    ILogger<RuntimeLauncher> logger,
    StepNotifier steps,
    IClusterBroadcast? cluster = null) : BackgroundService
{
    private const string FailedPrefix = "failed: ";

    /// <summary>How long an exited runtime's output may take to reach its log.</summary>
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Process> _processes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Attempts whose process was started and whose end is not recorded yet: the service's stop waits for them.</summary>
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _unrecorded = new(StringComparer.Ordinal);

    /// <summary>Makes sure a runtime is (being) started for the run when it has work and nobody holds it.</summary>
    public async Task EnsureRuntimeAsync(string runId, CancellationToken cancellationToken)
    {
        // Callers may be continuations of a store write (they run on the store's writer): starting processes and
        // waiting for more writes happen elsewhere.
        await Task.Yield();
        var gate = _locks.GetOrAdd(runId, _ => new SemaphoreSlim(1, 1));
        string? hostRunId = null;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if ((_processes.TryGetValue(runId, out var running) && !running.HasExited) || signals.IsAttached(runId))
            {
                return;
            }

            var run = await runs.GetRunAsync(runId, cancellationToken);
            if (run is { Hosting: "local", HostAttemptId: { } hostAttemptId } && !RunStatus.IsTerminal(run.Status))
            {
                // A local sub-run runs in its host's process: work for it (an input, or its dependencies done) while
                // no process holds the host is work for the host run, whose next attempt takes the sub-run over.
                hostRunId = (await runs.GetAttemptAsync(hostAttemptId, cancellationToken))?.RunId;
                return;
            }

            if (run is null || RunStatus.IsTerminal(run.Status) || !agents.TryGet(run.AgentId, out var agent) || agent.Runtime is not { Mode: "launch" })
            {
                return;
            }

            var current = await runs.GetCurrentAttemptAsync(runId, cancellationToken);
            if (current is { Status: AttemptStatus.Active, LeaseExpiresAt: { } lease } && lease > time.GetUtcNow())
            {
                return; // An attached (or reconnecting) runtime holds the run.
            }

            if (cluster is not null && current is { Status: AttemptStatus.Pending, LeaseExpiresAt: null } && current.CreatedAt + options.Value.Lease > time.GetUtcNow())
            {
                return; // Another node started a runtime for the run a moment ago: it is attaching.
            }

            if (!await deliveries.HasPendingWorkAsync(runId, cancellationToken))
            {
                return;
            }

            // Only attempts that ended with work pending count as failures; an idle exit is a normal end.
            var attempts = await runs.ListAttemptsAsync(runId, cancellationToken);
            var failures = attempts.Reverse().TakeWhile(a => a.ExitReason?.StartsWith(FailedPrefix, StringComparison.Ordinal) == true || a.ExitReason == "lease_expired").Count();
            if (failures >= options.Value.MaxAttempts)
            {
                var reason = $"the runtime failed {failures} attempt(s) in a row with work pending (last: {current?.ExitReason ?? "unknown"})";
                Log.RunFailed(logger, runId, reason);
                // Its unfinished steps complete with the reason as their error, so nobody waits on them for ever.
                foreach (var step in await runs.EndRunAsync(runId, RunStatus.Failed, "runtime_failed", reason, onlyIfNeverAttempted: false, CancellationToken.None))
                {
                    steps.Publish(step);
                }

                return;
            }

            if (failures > 0)
            {
                var backoff = TimeSpan.FromSeconds(options.Value.RestartBackoffSeconds * Math.Pow(2, failures - 1));
                await Task.Delay(backoff, time, cancellationToken);
            }

            await StartAsync(run, agent);
        }
        finally
        {
            gate.Release();
            if (hostRunId is not null)
            {
                await EnsureRuntimeAsync(hostRunId, cancellationToken);
            }
        }
    }

    private async Task StartAsync(RunRecord run, AgentDefinition agent)
    {
        var definition = agent.Runtime!;
        var token = RunTokens.Mint();
        var attempt = await runs.CreateAttemptAsync(run.RunId, TypeId.New("att"), RunTokens.Hash(token), CancellationToken.None);
        var logDir = Path.Combine(Path.GetFullPath(serviceOptions.Value.DataDir), "runs", run.RunId);
        Directory.CreateDirectory(logDir);
        var log = new RuntimeOutputLog(Path.Combine(logDir, attempt.AttemptId + ".log"));
        var start = new ProcessStartInfo(definition.Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = definition.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        definition.Args.ForEach(start.ArgumentList.Add);
        foreach (var (key, value) in definition.Env)
        {
            start.Environment[key] = value;
        }

        start.Environment["AGENTSERVICE_URL"] = ServiceUrl();
        start.Environment["AGENTSERVICE_RUN_ID"] = run.RunId;
        start.Environment["AGENTSERVICE_ATTEMPT_ID"] = attempt.AttemptId;
        start.Environment["AGENTSERVICE_RUN_TOKEN"] = token;
        if (options.Value.IdleTimeoutSeconds > 0)
        {
            start.Environment["AGENTSERVICE_IDLE_TIMEOUT_SECONDS"] = options.Value.IdleTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => log.Write("out", e.Data);
        process.ErrorDataReceived += (_, e) => log.Write("err", e.Data);
        process.Exited += (_, _) => _ = OnExitedAsync(run.RunId, attempt.AttemptId, process, log);
        _unrecorded[attempt.AttemptId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            _unrecorded.TryRemove(attempt.AttemptId, out _);
            Log.RuntimeLaunchFailed(logger, run.RunId, ex.Message, ex);
            process.Dispose();
            log.Dispose();
            await runs.EndAttemptAsync(attempt.AttemptId, AttemptStatus.Ended, FailedPrefix + "the process could not start: " + ex.Message, CancellationToken.None);
            return;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[run.RunId] = process;
        Observability.ServiceTelemetry.RuntimeLaunches.Add(1, new KeyValuePair<string, object?>("agentservice.agent", agent.Id));
        Log.RuntimeLaunched(logger, process.Id, run.RunId, attempt.AttemptId, definition.Command);
    }

    private async Task OnExitedAsync(string runId, string attemptId, Process process, RuntimeOutputLog log)
    {
        try
        {
            await RecordExitAsync(runId, attemptId, process, log);
        }
        catch (Exception ex)
        {
            Log.RuntimeExitNotRecorded(logger, runId, attemptId, ex);
        }
        finally
        {
            if (_unrecorded.TryRemove(attemptId, out var recorded))
            {
                recorded.TrySetResult();
            }
        }

        if (!_stopping)
        {
            await EnsureAfterLeftAsync(runId);
        }
    }

    private async Task RecordExitAsync(string runId, string attemptId, Process process, RuntimeOutputLog log)
    {
        // The exit code can be unknown: the runtime loses it for a process killed while it was still being started
        // (seen under chaos kills). The end is recorded all the same.
        int? exitCode;
        try
        {
            exitCode = process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            exitCode = null;
        }

        var code = exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
        _processes.TryRemove(new KeyValuePair<string, Process>(runId, process));

        // The process is gone, but its last lines (a crash's stack trace) may still be in the pipes when the exit is
        // seen: the log is closed once both streams have ended — or after a bound, since a child the runtime left
        // behind may hold them open.
        using (var drained = new CancellationTokenSource(OutputDrainTimeout, time))
        {
            try
            {
                await process.WaitForExitAsync(drained.Token);
            }
            catch (OperationCanceledException)
            {
                Log.RuntimeOutputNotDrained(logger, runId, attemptId, OutputDrainTimeout);
            }
            catch (InvalidOperationException)
            {
                // Its handle is gone with its exit code (above): nothing to wait for.
            }
        }

        process.Dispose();
        log.Dispose();
        if (exitCode != 0)
        {
            Log.RuntimeExited(logger, runId, attemptId, code);
        }

        // A process the service stopped with itself did not fail: its run's work goes on after the restart without
        // counting towards MaxAttempts.
        var reason = _stopping ? $"stopped with the service (exit code {code})"
            : await deliveries.HasPendingWorkAsync(runId, CancellationToken.None) ? $"{FailedPrefix}process exited with code {code} with work pending"
            : $"process exited with code {code}";
        await runs.EndAttemptAsync(attemptId, AttemptStatus.Ended, reason, CancellationToken.None);
    }

    /// <summary>
    /// A runtime's connection ended from its side. A process exit is handled apart from its socket: when the exit is
    /// seen first, the socket still holds the run and no attempt is started then; this looks again once it is free
    /// (a process that is still alive, or an attempt whose lease holds, keeps the run as before).
    /// </summary>
    public void OnRuntimeLeft(string runId)
    {
        if (!_stopping)
        {
            _ = EnsureAfterLeftAsync(runId);
        }
    }

    private async Task EnsureAfterLeftAsync(string runId)
    {
        try
        {
            await EnsureRuntimeAsync(runId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.EnsureRuntimeFailed(logger, runId, ex);
        }
    }

    /// <summary>An attempt lost its lease: stop its process (if ours) and start over if there is work.</summary>
    public async Task OnAttemptLostAsync(AttemptRecord attempt, CancellationToken cancellationToken)
    {
        Log.LeaseLost(logger, attempt.RunId, attempt.AttemptId);
        signals.Close(attempt.ConnectionId, 4002, "lease expired");
        if (_processes.TryRemove(attempt.RunId, out var process))
        {
            Kill(process);
        }

        await EnsureRuntimeAsync(attempt.RunId, cancellationToken);
    }

    private volatile bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds);
        var grace = TimeSpan.FromSeconds(options.Value.LeaseGraceSeconds);

        // A failure (the store unreachable for a while) never ends the loop, which would stop the service: the same work
        // is tried again after the interval.
        var recovery = new OutageLog("the launcher's recovery at start", storage, logger);
        while (!await TryAsync(recovery, interval, RecoverAtStartAsync, stoppingToken))
        {
        }

        var sweep = new OutageLog("the launcher's lease sweep", storage, logger);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, time, stoppingToken);
            await TryAsync(sweep, interval, async cancellationToken =>
            {
                foreach (var attempt in await runs.ListExpiredAttemptsAsync(time.GetUtcNow() - grace, cancellationToken))
                {
                    if (await runs.EndAttemptAsync(attempt.AttemptId, AttemptStatus.Lost, "lease_expired", cancellationToken))
                    {
                        await OnAttemptLostAsync(attempt, cancellationToken);
                    }
                }
            }, stoppingToken);
        }
    }

    private async Task RecoverAtStartAsync(CancellationToken stoppingToken)
    {
        // After a restart the sockets are gone: live attempts get a fresh lease to reconnect in (PROTOCOL.md §5).
        await runs.RenewActiveLeasesAsync(time.GetUtcNow(), options.Value.Lease, releaseConnections: cluster is null, stoppingToken);

        // Runs that were left with work and no runtime (their process ended with the previous service) start again.
        foreach (var runId in await deliveries.ListRunsWithPendingWorkAsync(10_000, stoppingToken))
        {
            await EnsureRuntimeAsync(runId, stoppingToken);
        }
    }

    /// <summary>Runs <paramref name="work"/>; on failure logs it, waits <paramref name="delay"/> and returns false.</summary>
    private async Task<bool> TryAsync(OutageLog outage, TimeSpan delay, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            await work(stoppingToken);
            outage.Succeeded();
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            if (!outage.Failed(ex))
            {
                Log.LauncherSweepFailed(logger, outage.Work, delay, ex);
            }

            await Task.Delay(delay, time, stoppingToken);
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await base.StopAsync(cancellationToken);
        foreach (var process in _processes.Values)
        {
            Kill(process);
        }

        // Each killed process's end is recorded before the store closes: an attempt left active would hold its run after
        // a restart (it gets a fresh lease to reconnect in) until the lease ran out, and the run's next step would wait
        // that long for a runtime.
        try
        {
            await Task.WhenAll(_unrecorded.Values.Select(r => r.Task)).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ran out: the leases decide after the restart.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private string ServiceUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? AgentServiceApp.DefaultUrl;
        return address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal);
    }
}
