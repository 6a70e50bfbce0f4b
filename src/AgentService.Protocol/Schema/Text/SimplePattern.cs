using System.Numerics;

namespace AgentService.Protocol.Schema.Text;

/// <summary>
/// A fast matcher for the anchored patterns schemas use for ids and names — <c>^run_[0-7][0-9a-hjkmnp-tv-z]{25}$</c>,
/// <c>^[a-z][a-z0-9]{0,19}$</c>: a sequence of ASCII characters and ASCII classes, each with a quantifier, between
/// <c>^</c> and <c>$</c>. Such a pattern matches in one pass without backtracking when every item of variable length is
/// followed only by characters it cannot take; <see cref="TryCreate"/> accepts exactly those, and everything else is
/// left to the regex engine. Any character outside ASCII fails the match (no item takes it), so the matcher also runs
/// on unescaped UTF-8 bytes without decoding them.
/// </summary>
internal sealed class SimplePattern
{
    private readonly Item[] _items;

    private SimplePattern(Item[] items)
    {
        _items = items;
    }

    /// <summary>The matcher for an ECMA-262 pattern of that form, or null.</summary>
    public static SimplePattern? TryCreate(string pattern)
    {
        if (pattern.Length < 2 || pattern[0] != '^' || pattern[^1] != '$' || !EndsWithAnchor(pattern))
        {
            return null;
        }

        var items = new List<Item>();
        var i = 1;
        var end = pattern.Length - 1;
        while (i < end)
        {
            if (!TryReadAtom(pattern, ref i, end, out var set) || !TryReadQuantifier(pattern, ref i, end, out var min, out var max))
            {
                return null;
            }

            items.Add(new Item((ulong)set, (ulong)(set >> 64), min, max));
        }

        // Greedy matching is exact only if a variable item cannot take what may follow it.
        for (var k = 0; k < items.Count; k++)
        {
            if (items[k].Min == items[k].Max)
            {
                continue;
            }

            for (var next = k + 1; next < items.Count; next++)
            {
                if ((items[k].Low & items[next].Low) != 0 || (items[k].High & items[next].High) != 0)
                {
                    return null;
                }

                if (items[next].Min > 0)
                {
                    break;
                }
            }
        }

        return new SimplePattern([.. items]);
    }

    public bool IsMatch(ReadOnlySpan<char> text) => IsMatch<char>(text);

    /// <summary>Matches the UTF-8 bytes of a string that has no escapes.</summary>
    public bool IsMatch(ReadOnlySpan<byte> utf8) => IsMatch<byte>(utf8);

    private bool IsMatch<T>(ReadOnlySpan<T> text)
        where T : unmanaged, IBinaryInteger<T>
    {
        var position = 0;
        foreach (var item in _items)
        {
            var count = 0;
            while (count < item.Max && position < text.Length && item.Takes(int.CreateTruncating(text[position])))
            {
                position++;
                count++;
            }

            if (count < item.Min)
            {
                return false;
            }
        }

        return position == text.Length;
    }

    private static bool EndsWithAnchor(string pattern)
    {
        // The final '$' is an anchor when the backslashes before it (if any) pair up: "\\$" yes, "\$" no.
        var backslashes = 0;
        for (var i = pattern.Length - 2; i >= 0 && pattern[i] == '\\'; i--)
        {
            backslashes++;
        }

        return backslashes % 2 == 0;
    }

    private static bool TryReadAtom(string pattern, ref int i, int end, out UInt128 set)
    {
        set = UInt128.Zero;
        var c = pattern[i];
        switch (c)
        {
            case '[':
                return TryReadClass(pattern, ref i, end, out set);
            case '\\':
                if (i + 1 >= end)
                {
                    return false;
                }

                var escaped = pattern[i + 1];
                i += 2;
                if (escaped == 'd')
                {
                    set = Range('0', '9');
                    return true;
                }

                return IsLiteralEscape(escaped) && Add(ref set, escaped, escaped);
            default:
                if ("^$.|?*+()[]{}".Contains(c, StringComparison.Ordinal))
                {
                    return false;
                }

                i++;
                return Add(ref set, c, c);
        }
    }

    private static bool TryReadClass(string pattern, ref int i, int end, out UInt128 set)
    {
        set = UInt128.Zero;
        i++;
        if (i < end && pattern[i] == '^')
        {
            return false;
        }

        while (i < end && pattern[i] != ']')
        {
            if (!TryReadClassChar(pattern, ref i, end, out var lo, out var isDigitClass))
            {
                return false;
            }

            if (isDigitClass)
            {
                set |= Range('0', '9');
                continue;
            }

            var hi = lo;
            if (i + 1 < end && pattern[i] == '-' && pattern[i + 1] != ']')
            {
                i++;
                if (!TryReadClassChar(pattern, ref i, end, out hi, out var rangeToClass) || rangeToClass || hi < lo)
                {
                    return false;
                }
            }

            if (!Add(ref set, lo, hi))
            {
                return false;
            }
        }

        if (i >= end || set == UInt128.Zero)
        {
            return false;
        }

        i++;
        return true;
    }

    private static bool TryReadClassChar(string pattern, ref int i, int end, out char c, out bool isDigitClass)
    {
        isDigitClass = false;
        c = pattern[i];
        if (c == '[')
        {
            return false;
        }

        if (c != '\\')
        {
            i++;
            return true;
        }

        if (i + 1 >= end)
        {
            return false;
        }

        c = pattern[i + 1];
        i += 2;
        if (c == 'd')
        {
            isDigitClass = true;
            return true;
        }

        return IsLiteralEscape(c) || c == '-';
    }

    /// <summary>Escapes of syntax characters, which stand for themselves (the 'u' flag allows no others as literals).</summary>
    private static bool IsLiteralEscape(char c) => "^$\\.*+?()[]{}|/".Contains(c, StringComparison.Ordinal);

    private static bool TryReadQuantifier(string pattern, ref int i, int end, out int min, out int max)
    {
        (min, max) = (1, 1);
        if (i >= end)
        {
            return true;
        }

        switch (pattern[i])
        {
            case '?':
                (min, max) = (0, 1);
                break;
            case '*':
                (min, max) = (0, int.MaxValue);
                break;
            case '+':
                (min, max) = (1, int.MaxValue);
                break;
            case '{':
                var close = pattern.IndexOf('}', i);
                if (close < 0 || close >= end)
                {
                    return false;
                }

                var bounds = pattern.AsSpan(i + 1, close - i - 1);
                var comma = bounds.IndexOf(',');
                if (!TryParseBound(comma < 0 ? bounds : bounds[..comma], out min))
                {
                    return false;
                }

                max = min;
                if (comma >= 0)
                {
                    var upper = bounds[(comma + 1)..];
                    if (upper.IsEmpty)
                    {
                        max = int.MaxValue;
                    }
                    else if (!TryParseBound(upper, out max) || max < min)
                    {
                        return false;
                    }
                }

                i = close;
                break;
            default:
                return true;
        }

        i++;

        // A lazy quantifier ("*?") or a quantified quantifier is left to the regex engine.
        return i >= end || pattern[i] is not ('?' or '*' or '+' or '{');
    }

    private static bool TryParseBound(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 6)
        {
            return false;
        }

        foreach (var d in digits)
        {
            if (d is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (d - '0');
        }

        return true;
    }

    private static UInt128 Range(char lo, char hi)
    {
        var set = UInt128.Zero;
        Add(ref set, lo, hi);
        return set;
    }

    /// <summary>Adds the ASCII range; false for anything outside ASCII (left to the regex engine).</summary>
    private static bool Add(ref UInt128 set, char lo, char hi)
    {
        if (hi >= 128)
        {
            return false;
        }

        for (var c = lo; c <= hi; c++)
        {
            set |= UInt128.One << c;
        }

        return true;
    }

    /// <summary>A character set over ASCII as two bit masks (0-63, 64-127), taken Min to Max times.</summary>
    private readonly record struct Item(ulong Low, ulong High, int Min, int Max)
    {
        public bool Takes(int c) => c < 64 ? ((Low >> c) & 1) != 0 : c < 128 && ((High >> (c - 64)) & 1) != 0;
    }
}
