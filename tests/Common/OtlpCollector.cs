using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentService.Tests.Common;

/// <summary>One exported span: ids in lowercase hex (an empty parent for a root span).</summary>
public sealed record CollectedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes,
    int StatusCode, string StatusMessage, IReadOnlyDictionary<string, string> Resource)
{
    /// <summary>The span as a W3C traceparent (sampled).</summary>
    public string Traceparent => $"00-{TraceId}-{SpanId}-01";
}

/// <summary>One exported metric data point: a sum's value, or a histogram's count.</summary>
public sealed record CollectedPoint(string Metric, double Value, IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource);

/// <summary>
/// A real OTLP/HTTP receiver (protobuf, <c>POST /v1/traces</c> and <c>/v1/metrics</c>) on 127.0.0.1 at a free port: what
/// an OpenTelemetry collector is to the service. It decodes just the fields the tests read, with a protobuf wire-format
/// reader of its own (no generated code): span ids, names, kinds, attributes and status; metric names, sums' values and
/// histograms' counts; the resource's attributes.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<CollectedSpan> Spans { get; } = new();

    public ConcurrentQueue<CollectedPoint> Points { get; } = new();

    /// <summary>The base URL to configure as the OTLP endpoint.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var collector = new OtlpCollector(app);
        app.MapPost("/v1/traces", context => ReceiveAsync(context, collector.ReadTraces));
        app.MapPost("/v1/metrics", context => ReceiveAsync(context, collector.ReadMetrics));
        await app.StartAsync();
        collector.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return collector;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static async Task ReceiveAsync(HttpContext context, Action<byte[]> read)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        read(buffer.ToArray());
        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(ReadOnlyMemory<byte>.Empty); // an empty Export...ServiceResponse
    }

    private void ReadTraces(byte[] body)
    {
        foreach (var resourceSpans in Fields(body, 1))
        {
            var resource = ResourceOf(resourceSpans);
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    var status = Field(span, 15); // Status: message = 2, code = 3
                    Spans.Enqueue(new CollectedSpan(Hex(Field(span, 1)), Hex(Field(span, 2)), Hex(Field(span, 4)), Text(Field(span, 5)), (int)Varint(span, 6),
                        Attributes(span, 9), (int)Varint(status, 3), Text(Field(status, 2)), resource));
                }
            }
        }
    }

    private void ReadMetrics(byte[] body)
    {
        foreach (var resourceMetrics in Fields(body, 1))
        {
            var resource = ResourceOf(resourceMetrics);
            foreach (var scopeMetrics in Fields(resourceMetrics, 2))
            {
                foreach (var metric in Fields(scopeMetrics, 2))
                {
                    var name = Text(Field(metric, 1));
                    foreach (var sum in Fields(metric, 7))
                    {
                        foreach (var point in Fields(sum, 1))
                        {
                            // NumberDataPoint: as_double = 4, as_int = 6 (both 64-bit fixed).
                            var value = Fixed64(point, 4) is { } d ? BitConverter.Int64BitsToDouble(d) : Fixed64(point, 6) ?? 0;
                            Points.Enqueue(new CollectedPoint(name, value, Attributes(point, 7), resource));
                        }
                    }

                    foreach (var histogram in Fields(metric, 9))
                    {
                        foreach (var point in Fields(histogram, 1))
                        {
                            Points.Enqueue(new CollectedPoint(name, Fixed64(point, 4) ?? 0, Attributes(point, 9), resource));
                        }
                    }
                }
            }
        }
    }

    private static Dictionary<string, string> ResourceOf(byte[] message) =>
        Fields(message, 1).Select(r => Attributes(r, 1)).FirstOrDefault() ?? [];

    /// <summary>KeyValue pairs (key = 1, AnyValue = 2: string 1, bool 2, int 3, double 4) as strings.</summary>
    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in Fields(message, field))
        {
            var value = Field(pair, 2);
            attributes[Text(Field(pair, 1))] = Field(value, 1) is { Length: > 0 } text ? Text(text)
                : Varint(value, 3) is var integer && integer != 0 ? integer.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Varint(value, 2) != 0 ? "true" : "";
        }

        return attributes;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static byte[] Field(byte[] message, int field) => Fields(message, field).FirstOrDefault() ?? [];

    /// <summary>Every length-delimited value of <paramref name="field"/>.</summary>
    private static IEnumerable<byte[]> Fields(byte[] message, int field) =>
        Walk(message).Where(f => f.Number == field && f.WireType == 2).Select(f => f.Bytes!);

    private static long Varint(byte[] message, int field) =>
        Walk(message).Where(f => f.Number == field && f.WireType == 0).Select(f => f.Value).FirstOrDefault();

    private static long? Fixed64(byte[] message, int field) =>
        Walk(message).Where(f => f.Number == field && f.WireType == 1).Select(f => (long?)f.Value).FirstOrDefault();

    /// <summary>The fields of one protobuf message (wire types 0, 1, 2, 5).</summary>
    private static List<(int Number, int WireType, long Value, byte[]? Bytes)> Walk(byte[] message)
    {
        var fields = new List<(int, int, long, byte[]?)>();
        var i = 0;
        while (i < message.Length)
        {
            var key = ReadVarint(message, ref i);
            var (number, wireType) = ((int)(key >> 3), (int)(key & 7));
            switch (wireType)
            {
                case 0:
                    fields.Add((number, 0, (long)ReadVarint(message, ref i), null));
                    break;
                case 1:
                    fields.Add((number, 1, BitConverter.ToInt64(message, i), null));
                    i += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref i);
                    fields.Add((number, 2, 0, message[i..(i + length)]));
                    i += length;
                    break;
                case 5:
                    fields.Add((number, 5, BitConverter.ToInt32(message, i), null));
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wireType} is not expected in OTLP");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] message, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
