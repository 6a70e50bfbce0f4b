using System.Collections.Concurrent;
using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Runtime;
using AgentService.Server.Observability;
using AgentService.Server.Runs;
using AgentService.Server.Storage;

namespace AgentService.Server.Runtime;

/// <summary>
/// Local sub-runs on this connection (PROTOCOL.md §6): a <c>subrun.spawned</c> with hosting <c>local</c> binds the
/// child here once it is stored; the child's deliveries go out over this socket with runId = child (a pump of its own,
/// in its sequence order), and its events come in with runId = child and the child's attempt. A <c>recover</c> binds
/// them again after a reconnect; a finished child is released.
/// </summary>
internal sealed partial class RuntimeSession
{
    private readonly ConcurrentDictionary<string, SubRunBinding> _subRuns = new(StringComparer.Ordinal);

    /// <summary>The attempt that events of <paramref name="runId"/> (already checked by RequireRun) belong to.</summary>
    private AttemptRecord AttemptOf(string runId) => _subRuns.TryGetValue(runId, out var subRun) ? subRun.Attempt : _attempt!;

    private void BindSubRun(RunRecord run, AttemptRecord attempt, bool needsResume = false)
    {
        var binding = new SubRunBinding(run, attempt, CancellationTokenSource.CreateLinkedTokenSource(_closing.Token));
        if (!_subRuns.TryAdd(run.RunId, binding))
        {
            binding.Dispose();
            return;
        }

        _services.Signals.BindSubRun(run.RunId, this);
        Log.SubRunBound(_logger, run.RunId, _connectionId!);
        StartPump(run, attempt, binding.Signal, needsResume, binding.Stop.Token);
    }

    /// <summary>A local sub-run taken over from an earlier attempt that this runtime refused to resume: it fails
    /// (<c>attempt_lost</c>), which wakes a parent that awaited it.</summary>
    private async Task AbandonSubRunAsync(string runId, string refusal)
    {
        UnbindSubRun(runId);
        var reason = $"The runtime did not take the sub-run over from its host's earlier attempt: {(refusal.Length > 200 ? refusal[..200] + "..." : refusal)}";
        Log.SubRunNotTakenOver(_logger, runId, reason);
        await _services.Runs.EndRunAsync(runId, RunStatus.Failed, "attempt_lost", reason, onlyIfNeverAttempted: false, CancellationToken.None);
    }

    private void UnbindSubRun(string runId)
    {
        if (_subRuns.TryRemove(runId, out var binding))
        {
            _services.Signals.UnbindSubRun(runId, this);
            binding.Stop.Cancel();
            binding.Stop.Dispose();
        }
    }

    private void UnbindSubRuns()
    {
        foreach (var runId in _subRuns.Keys)
        {
            UnbindSubRun(runId);
        }
    }

    /// <summary>recover: all or none of the named sub-runs are re-bound (1021 / 1022 with <c>details.runIds</c>).</summary>
    private async Task<IReadOnlyList<(RunRecord Run, AttemptRecord Attempt)>> RecoverSubRunsAsync(IReadOnlyList<string> subRunIds, CancellationToken cancellationToken)
    {
        var outcome = await _services.Runs.RecoverSubRunsAsync(_attempt!.AttemptId, _connectionId!, subRunIds, cancellationToken);
        if (outcome.ErrorCode != 0)
        {
            var runIds = outcome.ErrorRunIds;
            throw new RuntimeProtocolException(outcome.ErrorCode, outcome.ErrorCode == RuntimeErrorCodes.RunFinished
                ? $"Sub-run(s) {string.Join(", ", runIds)} already finished; nothing was re-bound."
                : $"Run(s) {string.Join(", ", runIds)} are not live local sub-runs of attempt {_attempt.AttemptId}; nothing was re-bound.", w =>
                {
                    w.WriteStartArray("runIds");
                    foreach (var runId in runIds)
                    {
                        w.WriteStringValue(runId);
                    }

                    w.WriteEndArray();
                });
        }

        foreach (var lost in outcome.LostRunIds)
        {
            Log.SubRunNotRecovered(_logger, lost);
        }

        if (outcome.LostRunIds.Count > 0)
        {
            // A lost child fails; an awaited one woke its parent (this run, or another lost child's parent).
            _services.Signals.DeliveriesAvailable(_run!.RunId);
        }

        return outcome.Bound;
    }

    /// <summary>Checks what the sub-run projections need before the batch is stored: a spawned child id is new and a
    /// service-hosted child names a defined agent that has a runtime; a linked run exists.</summary>
    private async Task CheckSubRunEventsAsync(string runId, string attemptId, List<IncomingEvent> events, CancellationToken cancellationToken)
    {
        Dictionary<string, List<string>>? spawnedHere = null; // child → its dependsOn
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Type is not ("subrun.spawned" or "subrun.linked"))
            {
                continue;
            }

            var pointer = $"/params/events/{i}/data";
            var childRunId = Params.RequiredId(e.Data, "childRunId", IdPrefixes.Run, pointer);
            var existing = await _services.Runs.GetRunAsync(childRunId, cancellationToken);
            if (e.Type == "subrun.linked")
            {
                if (existing is null)
                {
                    throw new RuntimeProtocolException(RuntimeErrorCodes.NotFound, $"Run {childRunId} does not exist; subrun.linked names an existing run.");
                }

                continue;
            }

            if (existing is not null)
            {
                // A resent batch (same event ids, at or below the stored seq) is accepted and ignored by the log: the
                // child is this run's already. A new spawn reusing the id, or an id of any other run, is refused.
                if (existing.ParentRunId == runId && await _services.Runs.GetAttemptAsync(attemptId, cancellationToken) is { } stored && e.Seq <= stored.OutputSeq)
                {
                    continue;
                }

                throw RuntimeProtocolException.InvalidParams(pointer + "/childRunId", $"run {childRunId} already exists: mint a new id for each sub-run");
            }

            if (Params.RequiredString(e.Data, "hosting", pointer) == "service")
            {
                var agentName = Params.RequiredString(Params.RequiredObject(e.Data, "agent", pointer), "name", pointer + "/agent");
                if (!_services.Agents.TryGet(agentName, out var agent) || agent.Runtime is null)
                {
                    throw RuntimeProtocolException.InvalidParams(pointer + "/agent/name", $"no agent '{agentName}' with a runtime is defined to run a service-hosted sub-run");
                }
            }

            if (e.Data.TryGetProperty("dependsOn", out var dependsOn) && dependsOn.ValueKind == JsonValueKind.Array)
            {
                await CheckDependenciesAsync(runId, childRunId, dependsOn, pointer + "/dependsOn", spawnedHere, cancellationToken);
            }

            (spawnedHere ??= new(StringComparer.Ordinal))[childRunId] = Storage.Sql.SqlRunStore.DependsOn(e.Data);
        }
    }

    /// <summary>Most runs a sub-run may wait for.</summary>
    internal const int MaxDependencies = 64;

    /// <summary>A spawn's <c>dependsOn</c> names runs of the parent's tree (or children spawned earlier in the same
    /// batch) that can finish while the child waits: not the child, not the parent or one of its ancestors, and none
    /// that waits, through its own dependencies, for one of those (the wait would never end once the parent awaits
    /// the child).</summary>
    private async Task CheckDependenciesAsync(string runId, string childRunId, JsonElement dependsOn, string pointer, Dictionary<string, List<string>>? spawnedHere, CancellationToken cancellationToken)
    {
        if (dependsOn.GetArrayLength() > MaxDependencies)
        {
            throw RuntimeProtocolException.InvalidParams(pointer, $"a sub-run may depend on at most {MaxDependencies} runs");
        }

        var parent = await _services.Runs.GetRunAsync(runId, cancellationToken) ?? throw new RuntimeProtocolException(RuntimeErrorCodes.UnknownRun, $"Run {runId} does not exist.");
        var ancestors = new HashSet<string>(StringComparer.Ordinal) { runId };
        for (var up = parent.ParentRunId; up is not null && ancestors.Count < 64; up = (await _services.Runs.GetRunAsync(up, cancellationToken))?.ParentRunId)
        {
            ancestors.Add(up);
        }

        var j = 0;
        foreach (var item in dependsOn.EnumerateArray())
        {
            var at = $"{pointer}/{j++}";
            var dependency = item.GetString()!;
            if (dependency == childRunId)
            {
                throw RuntimeProtocolException.InvalidParams(at, "a sub-run cannot depend on itself");
            }

            if (ancestors.Contains(dependency))
            {
                throw RuntimeProtocolException.InvalidParams(at, $"run {dependency} is the sub-run's parent or one of its ancestors, which cannot finish before the sub-run starts");
            }

            if (spawnedHere?.ContainsKey(dependency) != true
                && (await _services.Runs.GetRunAsync(dependency, cancellationToken))?.RootRunId != parent.RootRunId)
            {
                throw RuntimeProtocolException.InvalidParams(at, $"run {dependency} is not a run of this run's tree (a sub-run depends on runs of its own tree, or on ones spawned earlier in the batch)");
            }

            // A child spawned earlier in this batch has the same parent and passed this check itself.
            if (spawnedHere?.ContainsKey(dependency) != true
                && (await _services.Runs.ListWaitedForAsync(dependency, cancellationToken)).FirstOrDefault(ancestors.Contains) is { } blocked)
            {
                throw RuntimeProtocolException.InvalidParams(at, $"run {dependency} waits, through its dependencies, for run {blocked}, the sub-run's parent or one of its ancestors, which cannot finish before the sub-run starts");
            }
        }
    }

    /// <summary>After a batch is stored: binds new local children here, gets service-hosted children a runtime, and
    /// when a sub-run finished, wakes its parent's runtime (its <c>wake</c> delivery was stored with the event).</summary>
    private async Task AfterSubRunEventsAsync(string runId, List<IncomingEvent> events, string? runStatus, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            if (e.Type != "subrun.spawned")
            {
                continue;
            }

            var childRunId = e.Data.GetProperty("childRunId").GetString()!;
            if (_subRuns.ContainsKey(childRunId) || await _services.Runs.GetRunAsync(childRunId, cancellationToken) is not { } child || child.ParentRunId != runId)
            {
                continue;
            }

            if (child.Hosting == "local")
            {
                Log.SubRunSpawned(_logger, runId, childRunId, "local", child.AgentId);
                if (!RunStatus.IsTerminal(child.Status) && await _services.Runs.GetCurrentAttemptAsync(childRunId, cancellationToken) is { Status: AttemptStatus.Active } attempt)
                {
                    BindSubRun(child, attempt);
                }
            }
            else
            {
                Log.SubRunSpawned(_logger, runId, childRunId, "service", child.AgentId);
                _services.Signals.DeliveriesAvailable(childRunId);
                _services.Signals.WorkAvailable(child.AgentId);
                await _services.Launcher.EnsureRuntimeAsync(childRunId, cancellationToken);
            }
        }

        if (runStatus is not null && RunStatus.IsTerminal(runStatus))
        {
            var run = _subRuns.TryGetValue(runId, out var bound) ? bound.Run : _run!;
            if (bound is not null)
            {
                UnbindSubRun(runId);
            }

            if (run.ParentRunId is { } parent)
            {
                _services.Signals.DeliveriesAvailable(parent);
                await _services.Launcher.EnsureRuntimeAsync(parent, cancellationToken);
            }
        }
    }

    private sealed class SubRunBinding(RunRecord run, AttemptRecord attempt, CancellationTokenSource stop) : IDisposable
    {
        public RunRecord Run { get; } = run;

        public AttemptRecord Attempt { get; } = attempt;

        public CancellationTokenSource Stop { get; } = stop;

        public SemaphoreSlim Signal { get; } = new(0, int.MaxValue);

        public void Dispose()
        {
            Stop.Dispose();
            Signal.Dispose();
        }
    }
}
