using AgentService.Protocol.Runtime;
using System.Globalization;
using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Server.Observability;
using AgentService.Server.Runs;
using AgentService.Server.Storage;

namespace AgentService.Server.Runtime;

internal sealed partial class RuntimeSession
{
    private static readonly string[] CoreCapabilities =
    [
        "input.receive", "output.publish", "tool.call", "interaction.request", "tracing", "config.read",
        "secrets.read", "kv.read", "kv.write", "checkpoint.save", "checkpoint.load",
    ];

    private static readonly string[] RequiredCapabilities = ["input.receive", "output.publish"];

    private async Task AttachAsync(JsonElement id, JsonElement parameters, JsonElement frame, CancellationToken cancellationToken)
    {
        if (_connectionId is not null)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.InvalidRequest, "attach is sent once per socket.");
        }

        Params.OnlyKnown(parameters, "runId", "attemptId", "runtimeInstanceId", "protocolVersion", "reconnect", "connectionEpoch", "sdkCapabilities");
        var runId = Params.RequiredId(parameters, "runId", IdPrefixes.Run);
        var attemptId = Params.OptionalString(parameters, "attemptId");
        if (attemptId is not null && !TypeId.IsValid(attemptId, "att"))
        {
            throw RuntimeProtocolException.InvalidParams("/params/attemptId", "must be an 'att_' id");
        }

        var instanceId = Params.RequiredString(parameters, "runtimeInstanceId");
        if (instanceId.Length is 0 or > 256 || instanceId.Any(char.IsWhiteSpace))
        {
            throw RuntimeProtocolException.InvalidParams("/params/runtimeInstanceId", "must be 1-256 characters without spaces");
        }

        var version = Params.RequiredString(parameters, "protocolVersion");
        var reconnect = parameters.TryGetProperty("reconnect", out var r) && (r.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? r.GetBoolean()
            : throw RuntimeProtocolException.InvalidParams("/params/reconnect", "must be a boolean"));
        long epoch = 0;
        if (parameters.TryGetProperty("connectionEpoch", out var e) && (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out epoch) || epoch < 0))
        {
            throw RuntimeProtocolException.InvalidParams("/params/connectionEpoch", "must be an integer of at least 0");
        }

        var declared = ReadCapabilities(Params.RequiredArray(parameters, "sdkCapabilities"));
        if (runId != _tokenRunId && !await _services.Runs.CoversAsync(_tokenRunId, runId, cancellationToken))
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.Forbidden, $"The run token does not cover run {runId}.", closeCode: 4000);
        }

        if (version != "v1")
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.UnsupportedProtocolVersion, $"protocolVersion '{(version.Length > 40 ? version[..40] + "..." : version)}' is not supported.",
                w =>
                {
                    w.WriteStartArray("supported");
                    w.WriteStringValue("v1");
                    w.WriteEndArray();
                }, closeCode: 4000);
        }

        var run = await _services.Runs.GetRunAsync(runId, cancellationToken)
            ?? throw new RuntimeProtocolException(RuntimeErrorCodes.NotFound, $"Run {runId} does not exist.", closeCode: 4000);
        if (!_services.Agents.TryGet(run.AgentId, out var agent))
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.NotFound, $"The agent of run {runId} is no longer defined.", closeCode: 4000);
        }

        var granted = agent.GrantedCapabilities is { } list ? new HashSet<string>(list, StringComparer.Ordinal) : [.. CoreCapabilities];
        var effective = declared
            .Select(d => d with { SupportLevel = d.Surface == "core" && !granted.Contains(d.Name) ? "unsupported" : d.SupportLevel })
            .ToList();
        var effectiveCore = effective.Where(d => d.Surface == "core" && d.SupportLevel != "unsupported").Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var missing = RequiredCapabilities.Where(c => !effectiveCore.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw RuntimeProtocolException.CapabilityNotNegotiated($"input.receive and output.publish must be effective; missing: {string.Join(", ", missing)}.", missing, closeCode: 4000);
        }

        var now = _services.Time.GetUtcNow();
        var connectionId = TypeId.New("rtc");
        var capabilitiesJson = JsonSerializer.Serialize(effectiveCore.Order().ToArray(), Agents.AgentsJsonContext.Default.StringArray);
        var outcome = await _services.Runs.AttachAsync(
            new AttachRequest(runId, attemptId, instanceId, reconnect, epoch, capabilitiesJson, connectionId, now, Options.Lease), cancellationToken);
        if (outcome.Attempt is not { } attempt)
        {
            throw new RuntimeProtocolException(outcome.ErrorCode, outcome.ErrorMessage!, closeCode: outcome.ErrorCode switch
            {
                RuntimeErrorCodes.AttemptSuperseded => 4003,
                RuntimeErrorCodes.LeaseExpired => 4002,
                _ => 4000,
            });
        }

        _run = run;
        _agent = agent;
        _attempt = attempt;
        _connectionId = connectionId;
        _instanceId = instanceId;
        _attachEpoch = epoch;
        _awaitingRecover = reconnect;
        _effective = effectiveCore;
        if (outcome.SupersededConnectionId is { } old && old != connectionId)
        {
            _services.Signals.Close(old, 4001, "superseded by a newer attach");
        }

        _services.Signals.Bind(runId, connectionId, this);
        Observability.ServiceTelemetry.RuntimeConnections.Add(1);
        Log.RuntimeAttached(_logger, runId, attempt.AttemptId, connectionId, epoch, reconnect);
        var (_, configVersion, _) = await _services.Configuration.GetAsync(agent, cancellationToken);
        await SendResultAsync(id, w =>
        {
            w.WriteString("runtimeConnectionId", connectionId);
            w.WriteString("sessionId", run.SessionId);
            w.WriteString("runId", runId);
            w.WriteNumber("heartbeatIntervalMs", Options.HeartbeatIntervalMs);
            w.WriteString("leaseExpiresAt", Timestamp(attempt.LeaseExpiresAt!.Value));
            w.WriteString("configVersion", configVersion);
            w.WriteStartArray("effectiveSdkCapabilities");
            foreach (var d in effective)
            {
                w.WriteStartObject();
                w.WriteString("surface", d.Surface);
                w.WriteString("name", d.Name);
                w.WriteString("supportLevel", d.SupportLevel);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, cancellationToken);

        if (!reconnect)
        {
            // An execution without in-memory state starts with run.resume: a later attempt, or the same attempt
            // attached again without reconnect (it had published or held a connection before).
            _takenOver = outcome.TakenOver;
            StartPump(needsResume: attempt.Number > 1 || attempt.OutputSeq > 0 || outcome.SupersededConnectionId is not null || outcome.TakenOver);

            // The local sub-runs an earlier attempt left open are this runtime's now: each gets run.resume (with its
            // latest checkpoint) and its inputs again, over this connection.
            foreach (var (subRun, subAttempt) in outcome.Adopted)
            {
                Log.SubRunTakenOver(_logger, subRun.RunId, subAttempt.AttemptId, attempt.AttemptId);
                BindSubRun(subRun, subAttempt, needsResume: true);
            }
        }
    }

    private async Task HeartbeatAsync(JsonElement id, JsonElement parameters, CancellationToken cancellationToken)
    {
        Params.OnlyKnown(parameters, "runtimeConnectionId", "runId", "runtimeInstanceId", "metadata");
        RequireConnection(parameters);
        RequireRun(Params.RequiredId(parameters, "runId", IdPrefixes.Run));
        if (Params.OptionalString(parameters, "runtimeInstanceId") is { } heartbeatInstance && heartbeatInstance != _instanceId)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.InstanceMismatch,
                $"runtimeInstanceId '{(heartbeatInstance.Length > 80 ? heartbeatInstance[..80] + "..." : heartbeatInstance)}' is not the instance attached on this connection.");
        }

        var now = _services.Time.GetUtcNow();
        var outcome = await _services.Runs.HeartbeatAsync(_attempt!.AttemptId, _connectionId!, now, Options.Lease, cancellationToken);
        if (outcome == HeartbeatOutcome.Superseded)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.ConnectionSuperseded, "This connection was superseded by a newer attach.");
        }

        var accepted = outcome == HeartbeatOutcome.Renewed;
        await SendResultAsync(id, w =>
        {
            w.WriteBoolean("accepted", accepted);
            w.WriteString("nextHeartbeatDueAt", Timestamp(accepted ? now + TimeSpan.FromMilliseconds(Options.HeartbeatIntervalMs) : now));
        }, cancellationToken);
    }

    private async Task RecoverAsync(JsonElement id, JsonElement parameters, CancellationToken cancellationToken)
    {
        Params.OnlyKnown(parameters, "runtimeConnectionId", "mainRunId", "subRunIds", "connectionEpoch");
        RequireConnection(parameters);
        var main = Params.RequiredId(parameters, "mainRunId", IdPrefixes.Run);
        if (main != _run!.RunId)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.UnknownRun, $"mainRunId {main} is not the run attached here.", w =>
            {
                w.WriteStartArray("runIds");
                w.WriteStringValue(main);
                w.WriteEndArray();
            });
        }

        if (_recovered || _pump is not null)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.InvalidRequest, "recover is the first request after a reconnect attach, once.");
        }

        if (parameters.TryGetProperty("connectionEpoch", out var epoch) && (!epoch.TryGetInt64(out var value) || value != _attachEpoch))
        {
            throw RuntimeProtocolException.InvalidParams("/params/connectionEpoch", $"must be the connectionEpoch of this connection's attach ({_attachEpoch})");
        }

        var subRunIds = parameters.TryGetProperty("subRunIds", out var subRuns) ? ReadStrings(subRuns, "/params/subRunIds") : [];
        var bound = await RecoverSubRunsAsync(subRunIds, cancellationToken);
        _recovered = true;
        _awaitingRecover = false;
        await SendResultAsync(id, w => w.WriteBoolean("accepted", true), cancellationToken);
        StartPump(needsResume: false);
        foreach (var (subRun, subAttempt) in bound)
        {
            BindSubRun(subRun, subAttempt);
        }
    }

    private async Task SecretsAsync(JsonElement id, JsonElement parameters, CancellationToken cancellationToken)
    {
        Params.OnlyKnown(parameters, "runtimeConnectionId", "runId", "names");
        RequireConnection(parameters);
        RequireRun(Params.RequiredId(parameters, "runId", IdPrefixes.Run));
        RequireCapability("secrets.read");
        HashSet<string>? names = null;
        if (parameters.TryGetProperty("names", out var requested))
        {
            names = ReadStrings(requested, "/params/names").ToHashSet(StringComparer.Ordinal);
        }

        // Secrets are read from the encrypted store and decrypted only for this reply (never logged).
        var stored = await _services.Secrets.GetAsync(_agent!.Id, cancellationToken);
        var secrets = stored.Where(s => names is null || names.Contains(s.Key)).Select(s => (s.Key, _services.Protector.Unprotect(s.Value))).ToList();
        await SendResultAsync(id, w =>
        {
            w.WriteStartObject("secrets");
            foreach (var (name, value) in secrets)
            {
                w.WriteString(name, value);
            }

            w.WriteEndObject();
        }, cancellationToken);
    }

    private async Task ConfigAsync(JsonElement id, JsonElement parameters, CancellationToken cancellationToken)
    {
        Params.OnlyKnown(parameters, "runtimeConnectionId", "runId");
        RequireConnection(parameters);
        RequireRun(Params.RequiredId(parameters, "runId", IdPrefixes.Run));
        RequireCapability("config.read");
        var (config, _, _) = await _services.Configuration.GetAsync(_agent!, cancellationToken);
        await SendResultAsync(id, w =>
        {
            w.WritePropertyName("config");
            config.WriteTo(w);
        }, cancellationToken);
    }

    private async Task KvGetAsync(JsonElement id, JsonElement parameters, CancellationToken cancellationToken)
    {
        Params.OnlyKnown(parameters, "runtimeConnectionId", "runId", "keys");
        RequireConnection(parameters);
        RequireRun(Params.RequiredId(parameters, "runId", IdPrefixes.Run));
        RequireCapability("kv.read");
        var keys = ReadStrings(Params.RequiredArray(parameters, "keys"), "/params/keys");
        CheckKeys(keys, "/params/keys");
        var values = await _services.Kv.GetAsync(_run!.SessionId, keys, cancellationToken);
        await SendResultAsync(id, w =>
        {
            w.WriteStartObject("kv");
            foreach (var (key, value) in values)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }, cancellationToken);
    }

    private async Task KvSetAsync(JsonElement id, JsonElement parameters, CancellationToken cancellationToken)
    {
        Params.OnlyKnown(parameters, "runtimeConnectionId", "runId", "kv");
        RequireConnection(parameters);
        RequireRun(Params.RequiredId(parameters, "runId", IdPrefixes.Run));
        RequireCapability("kv.write");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in Params.RequiredObject(parameters, "kv").EnumerateObject())
        {
            var pointer = "/params/kv/" + property.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw RuntimeProtocolException.InvalidParams(pointer, "values are strings");
            }

            if (property.Value.GetString()!.Length > Options.MaxKvValueLength)
            {
                throw RuntimeProtocolException.InvalidParams(pointer, $"values are at most {Options.MaxKvValueLength} characters");
            }

            values[property.Name] = property.Value.GetString()!;
        }

        CheckKeys(values.Keys, "/params/kv");
        await _services.Kv.SetAsync(_run!.SessionId, values, cancellationToken);
        await SendResultAsync(id, w => w.WriteBoolean("accepted", true), cancellationToken);
    }

    private void CheckKeys(IReadOnlyCollection<string> keys, string pointer)
    {
        if (keys.Count > Options.MaxKvKeysPerCall)
        {
            throw RuntimeProtocolException.InvalidParams(pointer, $"at most {Options.MaxKvKeysPerCall} keys per call");
        }

        if (keys.FirstOrDefault(k => k.Length == 0 || k.Length > Options.MaxKvKeyLength) is { } bad)
        {
            throw RuntimeProtocolException.InvalidParams(pointer, $"keys are 1 to {Options.MaxKvKeyLength} characters ('{(bad.Length > 40 ? bad[..40] + "..." : bad)}')");
        }
    }

    private void RequireConnection(JsonElement parameters)
    {
        var connection = Params.RequiredString(parameters, "runtimeConnectionId");
        if (_superseded || connection != _connectionId)
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.ConnectionSuperseded, $"runtimeConnectionId {connection} is not the current connection.");
        }
    }

    private void RequireRun(string runId)
    {
        if (runId != _run!.RunId && !_subRuns.ContainsKey(runId))
        {
            throw new RuntimeProtocolException(RuntimeErrorCodes.UnknownRun, $"Run {runId} is not bound to this connection.", w =>
            {
                w.WriteStartArray("runIds");
                w.WriteStringValue(runId);
                w.WriteEndArray();
            });
        }
    }

    private void RequireCapability(params string[] capabilities)
    {
        var missing = capabilities.Where(c => !_effective.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw RuntimeProtocolException.CapabilityNotNegotiated($"Needs {string.Join(", ", missing)}, which was not negotiated.", missing);
        }
    }

    private static List<string> ReadStrings(JsonElement array, string pointer)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw RuntimeProtocolException.InvalidParams(pointer, "must be an array");
        }

        var items = new List<string>();
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw RuntimeProtocolException.InvalidParams($"{pointer}/{i}", "must be a string"));
            i++;
        }

        return items;
    }

    private static List<Capability> ReadCapabilities(JsonElement array)
    {
        if (array.GetArrayLength() == 0)
        {
            throw RuntimeProtocolException.InvalidParams("/params/sdkCapabilities", "must declare at least one capability");
        }

        var result = new List<Capability>();
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var pointer = $"/params/sdkCapabilities/{i++}";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw RuntimeProtocolException.InvalidParams(pointer, "must be an object");
            }

            Params.OnlyKnownAt(item, pointer, "surface", "name", "supportLevel");
            var surface = Params.RequiredString(item, "surface", pointer);
            var name = Params.RequiredString(item, "name", pointer);
            var level = Params.RequiredString(item, "supportLevel", pointer);
            if (surface is not ("core" or "platform"))
            {
                throw RuntimeProtocolException.InvalidParams(pointer + "/surface", "must be 'core' or 'platform'");
            }

            if (surface == "core" && !CoreCapabilities.Contains(name))
            {
                throw RuntimeProtocolException.InvalidParams(pointer + "/name", $"'{name}' is not a core capability");
            }

            if (level is not ("native" or "polyfilled" or "unsupported") || (surface == "platform" && level == "polyfilled"))
            {
                throw RuntimeProtocolException.InvalidParams(pointer + "/supportLevel", $"'{level}' is not a support level of the {surface} surface");
            }

            if (result.Any(c => c.Surface == surface && c.Name == name))
            {
                throw RuntimeProtocolException.InvalidParams(pointer, "each capability is declared once");
            }

            result.Add(new Capability(surface, name, level));
        }

        return result;
    }

    internal static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private sealed record Capability(string Surface, string Name, string SupportLevel);
}
