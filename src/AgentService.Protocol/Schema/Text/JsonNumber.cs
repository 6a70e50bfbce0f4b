using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace AgentService.Protocol.Schema.Text;

/// <summary>
/// An exact JSON number: <c>(-1)^negative × digits × 10^exponent</c>, with <see cref="Digits"/> free of leading and
/// trailing zeros (empty for zero). Parsed from the number's text, so no value overflows or loses precision.
/// </summary>
internal readonly struct JsonNumber : IEquatable<JsonNumber>, IComparable<JsonNumber>
{
    private JsonNumber(bool negative, string digits, BigInteger exponent)
    {
        Negative = negative && digits.Length > 0;
        Digits = digits;
        Exponent = digits.Length > 0 ? exponent : BigInteger.Zero;
    }

    public bool Negative { get; }

    /// <summary>Significant decimal digits, without leading or trailing zeros; empty for zero.</summary>
    public string Digits { get; }

    public BigInteger Exponent { get; }

    public bool IsZero => Digits.Length == 0;

    /// <summary>True when the fractional part is zero (1, 1.0 and 1e3 are integers; 1.5 is not).</summary>
    public bool IsInteger => IsZero || Exponent.Sign >= 0;

    /// <summary>Reads a number element exactly.</summary>
    public static JsonNumber From(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number)
        {
            throw new ArgumentException("The element is not a number.", nameof(element));
        }

        return Parse(JsonMarshal.GetRawUtf8Value(element));
    }

    /// <summary>True when the number element has no fractional part, without a full parse for plain integers.</summary>
    public static bool IsIntegerElement(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        return raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0 || Parse(raw).IsInteger;
    }

    /// <summary>Parses JSON number text (RFC 8259 grammar; the caller has already checked the syntax).</summary>
    public static JsonNumber Parse(ReadOnlySpan<byte> text)
    {
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == '-')
        {
            negative = true;
            i++;
        }

        // Integer and fraction digits, as one digit string; fractionLength shifts the exponent.
        Span<char> buffer = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        var count = 0;
        var fractionLength = 0;
        var inFraction = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                buffer[count++] = (char)c;
                if (inFraction)
                {
                    fractionLength++;
                }
            }
            else if (c == '.' && !inFraction)
            {
                inFraction = true;
            }
            else
            {
                break;
            }
        }

        BigInteger exponent = BigInteger.Zero;
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            var exponentNegative = false;
            if (i < text.Length && (text[i] == '+' || text[i] == '-'))
            {
                exponentNegative = text[i] == '-';
                i++;
            }

            var exponentDigits = text[i..];
            if (exponentDigits.Length <= 18)
            {
                long value = 0;
                foreach (var d in exponentDigits)
                {
                    value = (value * 10) + (d - '0');
                }

                exponent = value;
            }
            else
            {
                exponent = BigInteger.Parse(System.Text.Encoding.ASCII.GetString(exponentDigits), System.Globalization.CultureInfo.InvariantCulture);
            }

            if (exponentNegative)
            {
                exponent = -exponent;
            }
        }
        else if (i != text.Length)
        {
            throw new FormatException("Not a JSON number.");
        }

        var digits = buffer[..count];
        var start = 0;
        while (start < digits.Length && digits[start] == '0')
        {
            start++;
        }

        var end = digits.Length;
        while (end > start && digits[end - 1] == '0')
        {
            end--;
        }

        var trailingZeros = digits.Length - end;
        return new JsonNumber(negative, new string(digits[start..end]), exponent - fractionLength + trailingZeros);
    }

    public int CompareTo(JsonNumber other)
    {
        if (Negative != other.Negative)
        {
            return Negative ? -1 : 1;
        }

        var magnitude = CompareMagnitude(this, other);
        return Negative ? -magnitude : magnitude;
    }

    public bool Equals(JsonNumber other) =>
        Negative == other.Negative && string.Equals(Digits, other.Digits, StringComparison.Ordinal) && Exponent == other.Exponent;

    public override bool Equals(object? obj) => obj is JsonNumber other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Negative, string.GetHashCode(Digits, StringComparison.Ordinal), Exponent);

    public override string ToString()
    {
        if (IsZero)
        {
            return "0";
        }

        var sign = Negative ? "-" : string.Empty;
        if (Exponent.Sign >= 0 && Exponent <= 20)
        {
            return sign + Digits + new string('0', (int)Exponent);
        }

        var pointPosition = Digits.Length + Exponent; // digits before the decimal point
        if (pointPosition > 0 && pointPosition < Digits.Length)
        {
            var p = (int)pointPosition;
            return sign + Digits[..p] + "." + Digits[p..];
        }

        if (pointPosition <= 0 && pointPosition > -6)
        {
            return sign + "0." + new string('0', (int)(-pointPosition)) + Digits;
        }

        var mantissa = Digits.Length == 1 ? Digits : Digits[..1] + "." + Digits[1..];
        var e = pointPosition - 1;
        return sign + mantissa + "e" + (e.Sign >= 0 ? "+" : string.Empty) + e.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool operator ==(JsonNumber left, JsonNumber right) => left.Equals(right);

    public static bool operator !=(JsonNumber left, JsonNumber right) => !left.Equals(right);

    public static bool operator <(JsonNumber left, JsonNumber right) => left.CompareTo(right) < 0;

    public static bool operator <=(JsonNumber left, JsonNumber right) => left.CompareTo(right) <= 0;

    public static bool operator >(JsonNumber left, JsonNumber right) => left.CompareTo(right) > 0;

    public static bool operator >=(JsonNumber left, JsonNumber right) => left.CompareTo(right) >= 0;

    private static int CompareMagnitude(JsonNumber a, JsonNumber b)
    {
        if (a.IsZero || b.IsZero)
        {
            return a.IsZero == b.IsZero ? 0 : a.IsZero ? -1 : 1;
        }

        // The position of the most significant digit decides unless it is the same for both.
        var orderA = a.Exponent + a.Digits.Length;
        var orderB = b.Exponent + b.Digits.Length;
        if (orderA != orderB)
        {
            return orderA < orderB ? -1 : 1;
        }

        // Same order: compare digit by digit, the shorter string padded with zeros.
        var length = Math.Max(a.Digits.Length, b.Digits.Length);
        for (var k = 0; k < length; k++)
        {
            var da = k < a.Digits.Length ? a.Digits[k] : '0';
            var db = k < b.Digits.Length ? b.Digits[k] : '0';
            if (da != db)
            {
                return da < db ? -1 : 1;
            }
        }

        return 0;
    }
}
