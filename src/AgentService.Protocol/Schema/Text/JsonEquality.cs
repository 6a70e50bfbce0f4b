using System.Runtime.InteropServices;
using System.Text.Json;

namespace AgentService.Protocol.Schema.Text;

/// <summary>
/// JSON value equality as JSON Schema defines it for const, enum and uniqueItems: numbers by value (1 == 1.0 == 1e0),
/// strings by their unescaped text, objects by their members regardless of order, arrays item by item.
/// </summary>
internal static class JsonEquality
{
    public static bool DeepEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return true;
            case JsonValueKind.Number:
                return JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b)) || JsonNumber.From(a) == JsonNumber.From(b);
            case JsonValueKind.String:
                return StringEquals(a, b);
            case JsonValueKind.Array:
                {
                    if (a.GetArrayLength() != b.GetArrayLength())
                    {
                        return false;
                    }

                    using var ea = a.EnumerateArray();
                    using var eb = b.EnumerateArray();
                    while (ea.MoveNext() && eb.MoveNext())
                    {
                        if (!DeepEquals(ea.Current, eb.Current))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            case JsonValueKind.Object:
                {
                    if (a.GetPropertyCount() != b.GetPropertyCount())
                    {
                        return false;
                    }

                    Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
                    foreach (var property in a.EnumerateObject())
                    {
                        if (!JsonStrings.TryGetChars(property, buffer, out var name)
                            || !b.TryGetProperty(name, out var other)
                            || !DeepEquals(property.Value, other))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                return false;
        }
    }

    /// <summary>A hash consistent with <see cref="DeepEquals"/>.</summary>
    public static int GetHashCode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return 1;
            case JsonValueKind.True:
                return 2;
            case JsonValueKind.False:
                return 3;
            case JsonValueKind.Number:
                return JsonNumber.From(element).GetHashCode();
            case JsonValueKind.String:
                {
                    Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
                    return JsonStrings.TryGetChars(element, buffer, out var chars) ? string.GetHashCode(chars, StringComparison.Ordinal) : 4;
                }

            case JsonValueKind.Array:
                {
                    var hash = new HashCode();
                    hash.Add(5);
                    foreach (var item in element.EnumerateArray())
                    {
                        hash.Add(GetHashCode(item));
                    }

                    return hash.ToHashCode();
                }

            case JsonValueKind.Object:
                {
                    // Order-independent: members are combined by addition.
                    var sum = 6;
                    Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
                    foreach (var property in element.EnumerateObject())
                    {
                        var nameHash = JsonStrings.TryGetChars(property, buffer, out var name) ? string.GetHashCode(name, StringComparison.Ordinal) : 7;
                        sum = unchecked(sum + HashCode.Combine(nameHash, GetHashCode(property.Value)));
                    }

                    return sum;
                }

            default:
                return 0;
        }
    }

    private static bool StringEquals(JsonElement a, JsonElement b)
    {
        var rawA = JsonMarshal.GetRawUtf8Value(a);
        var rawB = JsonMarshal.GetRawUtf8Value(b);
        if (rawA.SequenceEqual(rawB))
        {
            return true;
        }

        if (rawA.IndexOf((byte)'\\') < 0 && rawB.IndexOf((byte)'\\') < 0)
        {
            return false; // both unescaped: equal text means equal bytes
        }

        Span<char> bufferA = stackalloc char[JsonStrings.StackBufferSize];
        Span<char> bufferB = stackalloc char[JsonStrings.StackBufferSize];
        return JsonStrings.TryGetChars(a, bufferA, out var charsA) && JsonStrings.TryGetChars(b, bufferB, out var charsB) && charsA.SequenceEqual(charsB);
    }
}
