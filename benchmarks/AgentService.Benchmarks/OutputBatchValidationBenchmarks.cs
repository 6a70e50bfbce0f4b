using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Protocol.Schema;
using BenchmarkDotNet.Attributes;

namespace AgentService.Benchmarks;

/// <summary>
/// Validating one <c>runtime.task.output.event</c> frame of 100 events (every output event example of the spec, in
/// turn) against its channel's schema — what the service does for every batch a runtime sends. The output-event schema
/// picks the rules of an event by its <c>type</c> through an <c>allOf</c> of thirty <c>if</c>/<c>then</c> branches; the
/// compiler turns that into one lookup of the type. The baseline is the same schemas with the lookup defeated (an
/// annotation beside each <c>const</c>), i.e. every branch's condition evaluated, as a plain validator does.
/// </summary>
[MemoryDiagnoser]
public class OutputBatchValidationBenchmarks
{
    private JsonSchema _lookup = null!;
    private JsonSchema _plain = null!;
    private JsonDocument _frame = null!;

    [GlobalSetup]
    public void Setup()
    {
        var schemas = Path.Combine(SpecFiles.Root, "v1", "schemas");
        var channel = RuntimeProtocolSchemas.ForChannel("runtime.task.output.event");
        _lookup = JsonSchemaSet.FromDirectory(schemas).GetSchema(channel);
        var plainDocuments = Directory.EnumerateFiles(schemas, "*.json", SearchOption.AllDirectories)
            .Select(f => JsonDocument.Parse(File.ReadAllText(f).Replace("\"const\": ", "\"description\": \"plain\", \"const\": ", StringComparison.Ordinal)).RootElement)
            .ToList();
        _plain = JsonSchemaSet.FromDocuments(plainDocuments).GetSchema(channel);

        var examples = Directory.EnumerateFiles(Path.Combine(SpecFiles.Root, "examples", "valid"), "output-*.json")
            .Order(StringComparer.Ordinal)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!)
            .ToList();
        var frame = JsonNode.Parse(File.ReadAllText(Path.Combine(SpecFiles.Root, "examples", "valid", "frame-14-runtime.task.output.event.json")))!;
        var events = new JsonArray();
        for (var i = 0; i < 100; i++)
        {
            events.Add(examples[i % examples.Count].DeepClone());
        }

        frame["params"]!["events"] = events;
        _frame = JsonDocument.Parse(frame.ToJsonString());
        if (!_lookup.IsValid(_frame.RootElement) || !_plain.IsValid(_frame.RootElement))
        {
            throw new InvalidOperationException("the benchmark's batch must be valid under both schemas");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _frame.Dispose();

    [Benchmark(Baseline = true, Description = "plain allOf of if/then")]
    public bool PlainAllOf() => _plain.IsValid(_frame.RootElement);

    [Benchmark(Description = "type lookup (the service)")]
    public bool TypeLookup() => _lookup.IsValid(_frame.RootElement);
}
