using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Protocol.Schema;
using AgentService.Tests.Common;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>
/// spec/examples checked with the embedded schemas. The target schema follows from the file name exactly as in
/// spec/validate.py. Expectations were established with a reference validator: Ajv 8 (Ajv2020, strict: false,
/// ajv-formats) accepts all 75 valid examples and rejects all 61 invalid ones on the schemas alone, so no invalid
/// example relies only on validate.py's extra batch rules (events[i].runid == params.runId, source =
/// /runs/{runid}/attempts/{attemptid}, gap-free seq); <see cref="SchemaValidInvalidExamples"/> is therefore empty.
/// </summary>
public sealed partial class SpecExamplesTests
{
    /// <summary>
    /// Invalid examples that only validate.py's semantic rules reject (schema-valid by Ajv): none today. An entry
    /// here must name its rule in a comment; the test below then asserts the schema accepts it.
    /// </summary>
    private static readonly HashSet<string> SchemaValidInvalidExamples = new(StringComparer.Ordinal);

    private static readonly JsonSchemaSet Schemas = JsonSchemaSet.LoadEmbedded();

    public static TheoryData<string> ValidExamples => Files("valid");

    public static TheoryData<string> InvalidExamples => Files("invalid");

    [Theory]
    [MemberData(nameof(ValidExamples))]
    public void ValidExample_IsValidAgainstItsTarget(string file)
    {
        var instance = Load("valid", file);
        foreach (var target in Targets(file))
        {
            var result = Schemas.Validate(instance, target);
            Assert.True(result.IsValid, $"{file} against {target}:{Environment.NewLine}{result}");
        }
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public void InvalidExample_IsRejectedByItsTarget(string file)
    {
        var result = Schemas.Validate(Load("invalid", file), Targets(file)[0]);

        if (SchemaValidInvalidExamples.Contains(file))
        {
            Assert.True(result.IsValid, $"{file} was expected to pass the schema (only validate.py's rules reject it): {result}");
        }
        else
        {
            Assert.False(result.IsValid, $"{file} was accepted by {Targets(file)[0]}");
            Assert.NotNull(result.BestMatch);
        }
    }

    [Fact]
    public void Examples_AreAllThere()
    {
        // Guards against the theories above silently running on an empty or moved folder.
        Assert.Equal(75, ValidExamples.Count);
        Assert.Equal(61, InvalidExamples.Count);
    }

    /// <summary>The error shown for each invalid example: where it points and which keyword failed.</summary>
    [Theory]
    [InlineData("frame-any--batch-array.json", "", "type")]
    [InlineData("frame-any--draft-method-name.json", "/method", "anyOf")]
    [InlineData("frame-any--notification-without-id.json", "", "required")]
    [InlineData("frame-any--result-and-error.json", "", "oneOf")]
    [InlineData("frame-any--wrong-jsonrpc-version.json", "/jsonrpc", "const")]
    [InlineData("frame-error--missing-data.json", "/error", "required")]
    [InlineData("frame-error--reason-does-not-match-code.json", "/error/data/reason", "const")]
    [InlineData("frame-error--unregistered-code.json", "/error/code", "oneOf")]
    [InlineData("frame-runtime.connection.attach.command--bad-run-id.json", "/params/runId", "pattern")]
    [InlineData("frame-runtime.connection.attach.command--capability-wrong-surface.json", "/params/sdkCapabilities/15", "oneOf")]
    [InlineData("frame-runtime.connection.attach.command--meta-in-params.json", "/params/_meta", "additionalProperties")]
    [InlineData("frame-runtime.connection.attach.command--negative-epoch.json", "/params/connectionEpoch", "minimum")]
    [InlineData("frame-runtime.connection.attach.command--no-capabilities.json", "/params/sdkCapabilities", "minItems")]
    [InlineData("frame-runtime.connection.attach.command--opaque-id-with-space.json", "/params/runtimeInstanceId", "pattern")]
    [InlineData("frame-runtime.connection.attach.command--platform-polyfilled.json", "/params/sdkCapabilities/13/supportLevel", "enum")]
    [InlineData("frame-runtime.connection.attach.command--uppercase-traceparent.json", "/traceparent", "pattern")]
    [InlineData("frame-runtime.connection.attach.reply--capability-extra-field.json", "/result/effectiveSdkCapabilities/2/enabled", "additionalProperties")]
    [InlineData("frame-runtime.connection.attach.reply--extra-fields.json", "/result/connectionEpoch", "additionalProperties")]
    [InlineData("frame-runtime.connection.attach.reply--heartbeat-too-short.json", "/result/heartbeatIntervalMs", "minimum")]
    [InlineData("frame-runtime.connection.attach.reply--session-id-overflow.json", "/result/sessionId", "pattern")]
    [InlineData("frame-runtime.connection.heartbeat.command--uppercase-connection-id.json", "/params/runtimeConnectionId", "pattern")]
    [InlineData("frame-runtime.connection.heartbeat.reply--extra-fields.json", "/result/leaseExpiresAt", "additionalProperties")]
    [InlineData("frame-runtime.connection.kv.get.command--missing-keys.json", "/params", "required")]
    [InlineData("frame-runtime.connection.kv.set.command--non-string-value.json", "/params/kv/count", "type")]
    [InlineData("frame-runtime.connection.recover.command--extra-field.json", "/params/cursors", "additionalProperties")]
    [InlineData("frame-runtime.connection.recover.command--wrong-prefix.json", "/params/subRunIds/0", "pattern")]
    [InlineData("frame-runtime.task.output.event--event-camelcase-runid.json", "/params/events/0/runId", "pattern")]
    [InlineData("frame-runtime.task.output.event--extra-attempt-id.json", "/params/attemptId", "additionalProperties")]
    [InlineData("frame-runtime.task.output.reply--acked-through.json", "/result/ackedThrough", "additionalProperties")]
    [InlineData("frame-runtime.task.output.reply--zero-parent-id.json", "/traceparent", "not")]
    [InlineData("frame-service.task.input.event--bad-tracestate.json", "/tracestate", "pattern")]
    [InlineData("frame-service.task.input.event--null-id.json", "/id", "oneOf")]
    [InlineData("frame-service.task.input.reply--accepted-false.json", "/result/accepted", "const")]
    [InlineData("frame-service.task.input.reply--extra-field.json", "/result/ackedThrough", "additionalProperties")]
    [InlineData("input--bad-delivery-id.json", "/deliveryId", "pattern")]
    [InlineData("input--delivery-count-zero.json", "/deliveryCount", "minimum")]
    [InlineData("input--message-without-sequence.json", "", "required")]
    [InlineData("input--run-resume-with-sequence.json", "", "not")]
    [InlineData("input--run-resume-without-next-output-seq.json", "/payload", "required")]
    [InlineData("input--step-input-without-target.json", "/payload", "anyOf")]
    [InlineData("input--task-start-not-sequence-1.json", "/sequence", "const")]
    [InlineData("input--truncated-traceparent.json", "/traceparent", "pattern")]
    [InlineData("input--unknown-kind.json", "/kind", "enum")]
    [InlineData("output--approval-without-interaction.json", "/data", "required")]
    [InlineData("output--attempt-source-without-attemptid.json", "", "required")]
    [InlineData("output--bad-attempt-id.json", "/attemptid", "pattern")]
    [InlineData("output--bad-event-id.json", "/id", "pattern")]
    [InlineData("output--camelcase-runid.json", "/runId", "pattern")]
    [InlineData("output--checkpoint-state-and-state-ref.json", "/data", "oneOf")]
    [InlineData("output--checkpoint-without-state.json", "/data", "oneOf")]
    [InlineData("output--data-base64.json", "/data_base64", "pattern")]
    [InlineData("output--delta-not-ephemeral.json", "", "required")]
    [InlineData("output--failed-without-error.json", "/data", "required")]
    [InlineData("output--missing-specversion.json", "", "required")]
    [InlineData("output--non-scalar-extension.json", "/retries", "type")]
    [InlineData("output--subrun-without-hosting.json", "/data", "required")]
    [InlineData("output--terminal-status-in-status-changed.json", "/data/status", "not")]
    [InlineData("output--time-not-utc-z.json", "/time", "pattern")]
    [InlineData("output--traceparent-not-w3c.json", "/traceparent", "pattern")]
    [InlineData("output--waiting-without-reason.json", "/data", "required")]
    [InlineData("output--zero-trace-id.json", "/traceparent", "not")]
    public void InvalidExample_BestMatchPointsAtTheProblem(string file, string instanceLocation, string keyword)
    {
        var result = Schemas.Validate(Load("invalid", file), Targets(file)[0]);

        Assert.False(result.IsValid);
        Assert.Equal(instanceLocation, result.BestMatch!.InstanceLocation);
        Assert.Equal(keyword, result.BestMatch.Keyword);
    }

    /// <summary>Schema URIs for an example, as validate.py picks them: the target first, then (frames) the root frame schema.</summary>
    internal static string[] Targets(string file)
    {
        if (file.StartsWith("output", StringComparison.Ordinal))
        {
            return [RuntimeProtocolSchemas.OutputEvent];
        }

        if (file.StartsWith("input", StringComparison.Ordinal))
        {
            return [RuntimeProtocolSchemas.InputEvent];
        }

        var match = FrameName().Match(file);
        Assert.True(match.Success, $"cannot tell the schema of {file} from its name");
        var target = match.Groups["target"].Value;
        if (target == "any")
        {
            return [RuntimeProtocolSchemas.Frame];
        }

        var definition = target == "error" ? "ErrorResponseFrame" : target;
        return [RuntimeProtocolSchemas.Frame + "#/$defs/" + definition, RuntimeProtocolSchemas.Frame];
    }

    internal static JsonElement Load(string kind, string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.Spec("examples", kind, file)));
        return document.RootElement.Clone();
    }

    private static TheoryData<string> Files(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(RepoPaths.Spec("examples", kind), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    // validate.py: FRAME_NAME = ^frame-(?:\d+-)?(?P<target>[a-z.]+?)(?:--(?P<variant>[a-z0-9.-]+))?\.json$
    [GeneratedRegex(@"^frame-(?:[0-9]+-)?(?<target>[a-z.]+?)(?:--(?<variant>[a-z0-9.-]+))?\.json$")]
    private static partial Regex FrameName();
}
