using System.Text;

namespace AgentService.FunctionalTests.Security;

/// <summary>
/// Seeded generators of malformed input: bodies, ids, query values and frames that are invalid by construction (never
/// accidentally valid), so the service must refuse every one of them. The same seed gives the same inputs.
/// </summary>
internal sealed class FuzzInputs(int seed)
{
    /// <summary>1 MiB, the default body and frame limit.</summary>
    public const int Limit = 1024 * 1024;

    private static readonly string[] WrongScalars =
    [
        "1", "-0", "0", "1e999999", "-1e999999", "18446744073709551616", "-9223372036854775809", "1.5e-400",
        "123456789012345678901234567890123456789012345678901234567890", "true", "false", "[]", "[1,2,3]", "{\"a\":{}}",
        "0.0000000000000000000000000000000000001", "[[[[[[]]]]]]",
    ];

    private static readonly string[] BadIdTexts =
    [
        "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e", "..\\..\\windows\\win.ini", "%00", "a%00b", "%ff%fe%fd",
        "%c0%af", "тест", "😀😀😀", "null", "undefined", "-1", "0", "1e999999", "18446744073709551616", "run_", "run_!!!!",
        "task_00000000000000000000000000", "<script>alert(1)</script>", "' OR 1=1 --", "%20", "%0d%0aX-Injected:%201", "*", "%", "%%32%65",
        "\u202e\u202d", "con", "nul.txt", "%u002e%u002e",
    ];

    private static readonly string[] BadNumbers =
    [
        "0", "-1", "abc", "1e999999", "18446744073709551616", "9223372036854775808", "-9223372036854775809", "1.5", "+1", " 1", "0x10",
        "%ff", "%00", "NaN", "Infinity", "-0.0", "٣", "1,000", "", new string('9', 5000),
    ];

    private readonly Random _random = new(seed);

    public Random Random => _random;

    public int Next(int max) => _random.Next(max);

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>A wrong value for a field that takes a string (any JSON that is not a string or null).</summary>
    public string WrongForString() => Pick(WrongScalars);

    /// <summary>A wrong value for a field that takes an object.</summary>
    public string WrongForObject() => Pick(WrongScalars.Where(s => !s.StartsWith('{')).Append("\"x\"").Append("\"{}\"").ToArray());

    /// <summary>A wrong value for a field that takes an integer in a range (never one in 5..3600 or 0..120).</summary>
    public string WrongForInteger() => Pick(["\"5\"", "1e999999", "18446744073709551616", "-0", "1.5", "true", "[]", "{}", "null", "123456789012345678901234567890", "-9223372036854775809", "99999999999"]);

    /// <summary>A string that is too long for any id or name field (and for the limit when <paramref name="beyondLimit"/>).</summary>
    public string HugeString(bool beyondLimit) => new((char)('a' + _random.Next(26)), beyondLimit ? Limit + 1 + _random.Next(4096) : 5000 + _random.Next(200_000));

    /// <summary>A path segment that names nothing: traversal, control characters, unicode, very long, id look-alikes.</summary>
    public string BadId() => _random.Next(6) switch
    {
        0 => new string('x', 300 + _random.Next(3500)),
        1 => Uri.EscapeDataString(Pick(BadIdTexts)),
        2 => "run_" + new string('z', 26 + _random.Next(100)),
        _ => Pick(BadIdTexts) is var text && (text.Contains('/', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal))
            ? Uri.EscapeDataString(text) // raw, the client itself would resolve the dot segments
            : text,
    };

    /// <summary>A query value that is not a number in the allowed range.</summary>
    public string BadNumber() => Pick(BadNumbers);

    /// <summary>A JSON body invalid for an endpoint whose known members are <paramref name="fields"/> (name → wrong value).</summary>
    public (string Kind, byte[] Body, string? ContentType, bool Chunked) BadJsonBody(IReadOnlyList<(string Field, Func<string> Wrong)> fields, string validExample)
    {
        var contentType = _random.Next(10) switch
        {
            0 => null, // no content type: the body itself must be refused
            1 => "application/json; charset=utf-8",
            2 => "application/problem+json",
            _ => "application/json",
        };
        var chunked = _random.Next(4) == 0;
        var (field, wrong) = Pick(fields);
        switch (_random.Next(15))
        {
            case 0:
                return ("random-bytes", RandomBytes(1 + _random.Next(2048)), contentType, chunked);
            case 1:
                return ("truncated-json", Encoding.UTF8.GetBytes(validExample[..(1 + _random.Next(validExample.Length - 1))]), contentType, chunked);
            case 2:
                return ("non-object-root", Encoding.UTF8.GetBytes(Pick(["[]", "[{}]", "\"x\"", "1", "null", "true", "1e999999", "[" + validExample + "]"])), contentType, chunked);
            case 3:
                var depth = _random.Next(2) == 0 ? 10_000 : 65 + _random.Next(1000);
                return ("deep-nesting", Encoding.UTF8.GetBytes(Nested(field, depth)), contentType, chunked);
            case 4:
                return ("invalid-utf8", InvalidUtf8Member(field), contentType, chunked);
            case 5:
                return ("lone-surrogate", Encoding.UTF8.GetBytes($"{{\"{field}\":\"a\\ud800b\"}}"), contentType, chunked);
            case 6:
                var huge = $"{{\"{field}\":\"{HugeString(beyondLimit: true)}\"}}";
                return ("oversized", Encoding.UTF8.GetBytes(huge), contentType, chunked);
            case 7:
                var wrongType = Pick(["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "garbage;;;==", "*/*", "application/jsonx", "text/json"]);
                return ("wrong-content-type", Encoding.UTF8.GetBytes(validExample), wrongType, chunked);
            case 8:
                return ("huge-string-wrong-member", Encoding.UTF8.GetBytes($"{{\"{field}\":{wrong()},\"padding\":\"{HugeString(beyondLimit: false)}\"}}"), contentType, chunked);
            case 9:
                return ("bad-syntax", Encoding.UTF8.GetBytes(Pick([$"{{\"{field}\":}}", $"{{{field}:1}}", $"{{\"{field}\":'x'}}", $"{{\"{field}\":NaN}}", $"{{\"{field}\":1,}}", "{\"a\" \"b\"}", "{\"a\":1}}", "\uFEFF\uFEFF{}", "{/*c*/}", $"{{\"{field}\":01}}", $"{{\"{field}\":\"\t\"}}"])), contentType, chunked);
            case 10:
                return ("huge-number", Encoding.UTF8.GetBytes($"{{\"{field}\":{Pick(["1e999999", "-1e999999", "18446744073709551616", "-0", new string('7', 100_000), "0." + new string('1', 50_000)])}}}"), contentType, chunked);
            default:
                return ("wrong-type", Encoding.UTF8.GetBytes($"{{\"{field}\":{wrong()}}}"), contentType, chunked);
        }
    }

    /// <summary>Bytes that are no JSON text (the first byte can start none).</summary>
    public byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        bytes[0] = Pick<byte>([0x00, 0x01, 0x07, 0x80, 0xC0, 0xFE, 0xFF, (byte)'<', (byte)'#', (byte)'}', (byte)']', (byte)':']);
        return bytes;
    }

    /// <summary>Random text that is valid UTF-8 but no JSON.</summary>
    public string RandomText(int length)
    {
        var builder = new StringBuilder(length + 1).Append(Pick(['<', '#', '}', ']', ':', 'x', '\'', '@']));
        for (var i = 0; i < length; i++)
        {
            builder.Append((char)_random.Next(0x20, 0x7F));
        }

        return builder.ToString();
    }

    public static string Nested(string field, int depth)
    {
        var builder = new StringBuilder(depth * 6);
        builder.Append('{').Append('"').Append(field).Append("\":");
        for (var i = 0; i < depth; i++)
        {
            builder.Append(i % 2 == 0 ? "[" : "{\"a\":");
        }

        builder.Append('1');
        for (var i = depth - 1; i >= 0; i--)
        {
            builder.Append(i % 2 == 0 ? "]" : "}");
        }

        return builder.Append('}').ToString();
    }

    private byte[] InvalidUtf8Member(string field)
    {
        byte[][] bad = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82]];
        var badBytes = Pick(bad);
        using var stream = new MemoryStream();
        stream.Write(Encoding.UTF8.GetBytes(_random.Next(3) == 0 ? "{\"" : $"{{\"{field}\":\"ok"));
        stream.Write(badBytes);
        stream.Write(Encoding.UTF8.GetBytes(_random.Next(3) == 0 ? "\":1}" : "\"}"));
        return stream.ToArray();
    }
}
