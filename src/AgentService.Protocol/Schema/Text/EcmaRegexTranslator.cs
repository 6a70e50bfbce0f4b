using System.Globalization;
using System.Text;

namespace AgentService.Protocol.Schema.Text;

/// <summary>
/// Translates an ECMA-262 regular expression, read with the 'u' flag as JSON Schema tools do (Ajv), into an
/// equivalent .NET pattern:
/// <list type="bullet">
/// <item><c>\d \w \s \b</c> (and their negations) keep their ECMAScript meaning (\d is [0-9], \w is [A-Za-z0-9_],
/// \s is the ECMAScript white space set), instead of .NET's Unicode classes;</item>
/// <item><c>$</c> matches only at the very end (.NET's also matches before a final "\n");</item>
/// <item>the pattern works on code points: <c>.</c>, negated classes and classes with astral characters match a
/// surrogate pair as one character, and an astral literal is one atom for a quantifier;</item>
/// <item><c>\u{…}</c>, <c>\uXXXX</c> (a pair of them for an astral character), <c>\xXX</c>, <c>\cX</c>, <c>\0</c>,
/// <c>\p{…}</c> general categories; a '[' inside a class is literal (not .NET class subtraction).</item>
/// </list>
/// Rejected with <see cref="FormatException"/>: escapes the 'u' flag forbids (<c>\A</c>, <c>\z</c>, ...), inline
/// options and other .NET-only group syntax, and Unicode properties other than general categories.
/// Known difference: <c>\p{…}</c> classes match characters of the Basic Multilingual Plane only.
/// </summary>
internal static class EcmaRegexTranslator
{
    // ECMAScript WhiteSpace and LineTerminator code points (\s).
    private static readonly (int Lo, int Hi)[] Space =
    [
        (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
        (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
    ];

    private static readonly (int Lo, int Hi)[] Digit = [('0', '9')];
    private static readonly (int Lo, int Hi)[] Word = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

    private const string SurrogatePair = @"[\uD800-\uDBFF][\uDC00-\uDFFF]";
    private const string WordClass = "[0-9A-Z_a-z]";

    // '.' : any code point except the ECMAScript line terminators.
    private const string AnyExceptLineTerminator = "(?:" + SurrogatePair + @"|[^\n\r\u2028\u2029\uD800-\uDFFF])";

    private static readonly Dictionary<string, string> GeneralCategories = BuildGeneralCategories();

    public static string Translate(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            switch (c)
            {
                case '\\':
                    i = TranslateEscape(pattern, i, output);
                    break;
                case '[':
                    i = TranslateClass(pattern, i, output);
                    break;
                case '.':
                    output.Append(AnyExceptLineTerminator);
                    i++;
                    break;
                case '$':
                    output.Append(@"\z");
                    i++;
                    break;
                case '(':
                    i = TranslateGroupOpening(pattern, i, output);
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
                    {
                        AppendLiteral(output, char.ConvertToUtf32(c, pattern[i + 1]));
                        i += 2;
                    }
                    else
                    {
                        output.Append(c);
                        i++;
                    }

                    break;
            }
        }

        return output.ToString();
    }

    private static int TranslateGroupOpening(string pattern, int i, StringBuilder output)
    {
        if (i + 1 >= pattern.Length || pattern[i + 1] != '?')
        {
            output.Append('(');
            return i + 1;
        }

        var rest = pattern.AsSpan(i);
        foreach (var allowed in (ReadOnlySpan<string>)["(?:", "(?=", "(?!", "(?<=", "(?<!"])
        {
            if (rest.StartsWith(allowed, StringComparison.Ordinal))
            {
                output.Append(allowed);
                return i + allowed.Length;
            }
        }

        if (rest.StartsWith("(?<", StringComparison.Ordinal))
        {
            var close = pattern.IndexOf('>', i + 3);
            var name = close < 0 ? string.Empty : pattern[(i + 3)..close];
            if (name.Length == 0 || !IsGroupName(name))
            {
                throw new FormatException($"Invalid group name at position {i}.");
            }

            output.Append("(?<").Append(name).Append('>');
            return close + 1;
        }

        throw new FormatException($"'(?' at position {i} is not ECMAScript group syntax.");
    }

    private static bool IsGroupName(string name)
    {
        if (!(char.IsLetter(name[0]) || name[0] is '_' or '$'))
        {
            return false;
        }

        foreach (var ch in name)
        {
            if (!(char.IsLetterOrDigit(ch) || ch == '_'))
            {
                return false; // .NET group names are letters, digits and '_'
            }
        }

        return true;
    }

    /// <summary>Translates an escape outside a class; returns the index after it.</summary>
    private static int TranslateEscape(string pattern, int i, StringBuilder output)
    {
        if (i + 1 >= pattern.Length)
        {
            throw new FormatException("The pattern ends with a lone '\\'.");
        }

        var e = pattern[i + 1];
        switch (e)
        {
            case 'd':
                AppendClass(output, Digit, negated: false);
                return i + 2;
            case 'D':
                AppendClass(output, Digit, negated: true);
                return i + 2;
            case 'w':
                AppendClass(output, Word, negated: false);
                return i + 2;
            case 'W':
                AppendClass(output, Word, negated: true);
                return i + 2;
            case 's':
                AppendClass(output, Space, negated: false);
                return i + 2;
            case 'S':
                AppendClass(output, Space, negated: true);
                return i + 2;
            case 'b':
                output.Append("(?:(?<=" + WordClass + ")(?!" + WordClass + ")|(?<!" + WordClass + ")(?=" + WordClass + "))");
                return i + 2;
            case 'B':
                output.Append("(?:(?<=" + WordClass + ")(?=" + WordClass + ")|(?<!" + WordClass + ")(?!" + WordClass + "))");
                return i + 2;
            case 'p':
            case 'P':
                {
                    var next = ReadProperty(pattern, i, out var category);
                    output.Append('\\').Append(e).Append('{').Append(category).Append('}');
                    return next;
                }

            case 'k':
                {
                    var close = pattern.IndexOf('>', i);
                    if (i + 2 >= pattern.Length || pattern[i + 2] != '<' || close < 0)
                    {
                        throw new FormatException($"Invalid \\k escape at position {i}.");
                    }

                    output.Append(pattern, i, close - i + 1);
                    return close + 1;
                }

            case >= '1' and <= '9':
                {
                    var end = i + 1;
                    while (end < pattern.Length && char.IsAsciiDigit(pattern[end]))
                    {
                        end++;
                    }

                    output.Append('\\').Append(pattern, i + 1, end - i - 1);
                    return end;
                }

            default:
                {
                    var next = ReadCharacterEscape(pattern, i, inClass: false, out var codePoint);
                    AppendLiteral(output, codePoint);
                    return next;
                }
        }
    }

    /// <summary>
    /// Reads an escape that stands for one code point (\n, \u0041, \u{1F600}, \x41, \cJ, \0, \., ...).
    /// </summary>
    private static int ReadCharacterEscape(string pattern, int i, bool inClass, out int codePoint)
    {
        var e = pattern[i + 1];
        switch (e)
        {
            case 'f':
                codePoint = '\f';
                return i + 2;
            case 'n':
                codePoint = '\n';
                return i + 2;
            case 'r':
                codePoint = '\r';
                return i + 2;
            case 't':
                codePoint = '\t';
                return i + 2;
            case 'v':
                codePoint = '\v';
                return i + 2;
            case 'b' when inClass:
                codePoint = '\b';
                return i + 2;
            case '-' when inClass:
                codePoint = '-';
                return i + 2;
            case '0' when i + 2 >= pattern.Length || !char.IsAsciiDigit(pattern[i + 2]):
                codePoint = 0;
                return i + 2;
            case 'c' when i + 2 < pattern.Length && char.IsAsciiLetter(pattern[i + 2]):
                codePoint = pattern[i + 2] % 32;
                return i + 3;
            case 'x':
                codePoint = ReadHex(pattern, i + 2, 2);
                return i + 4;
            case 'u':
                return ReadUnicodeEscape(pattern, i, out codePoint);
            default:
                if ("^$\\.*+?()[]{}|/".Contains(e, StringComparison.Ordinal))
                {
                    codePoint = e;
                    return i + 2;
                }

                throw new FormatException($"'\\{e}' at position {i} is not a valid escape in an ECMAScript pattern with the 'u' flag.");
        }
    }

    private static int ReadUnicodeEscape(string pattern, int i, out int codePoint)
    {
        if (i + 2 < pattern.Length && pattern[i + 2] == '{')
        {
            var close = pattern.IndexOf('}', i + 3);
            if (close < 0 || close == i + 3)
            {
                throw new FormatException($"Unterminated \\u{{...}} escape at position {i}.");
            }

            codePoint = ReadHex(pattern, i + 3, close - i - 3);
            if (codePoint > 0x10FFFF)
            {
                throw new FormatException($"\\u{{...}} at position {i} is beyond U+10FFFF.");
            }

            return close + 1;
        }

        codePoint = ReadHex(pattern, i + 2, 4);
        var next = i + 6;

        // With the 'u' flag an escaped surrogate pair (\uD83D\uDE00) is one code point.
        if (char.IsHighSurrogate((char)codePoint) && next + 1 < pattern.Length && pattern[next] == '\\' && pattern[next + 1] == 'u'
            && IsHex(pattern, next + 2, 4))
        {
            var low = ReadHex(pattern, next + 2, 4);
            if (char.IsLowSurrogate((char)low))
            {
                codePoint = char.ConvertToUtf32((char)codePoint, (char)low);
                next += 6;
            }
        }

        return next;
    }

    private static bool IsHex(string pattern, int start, int length)
    {
        if (start + length > pattern.Length)
        {
            return false;
        }

        for (var k = start; k < start + length; k++)
        {
            if (!char.IsAsciiHexDigit(pattern[k]))
            {
                return false;
            }
        }

        return true;
    }

    private static int ReadHex(string pattern, int start, int length)
    {
        if (length > 6 || !IsHex(pattern, start, length))
        {
            throw new FormatException($"Expected {length} hexadecimal digits at position {start}.");
        }

        return int.Parse(pattern.AsSpan(start, length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    /// <summary>Reads \p{...} / \P{...}; returns the index after it and the .NET category name.</summary>
    private static int ReadProperty(string pattern, int i, out string category)
    {
        var close = pattern.IndexOf('}', i);
        if (i + 2 >= pattern.Length || pattern[i + 2] != '{' || close < 0)
        {
            throw new FormatException($"Invalid \\p escape at position {i}.");
        }

        var name = pattern[(i + 3)..close];
        var eq = name.IndexOf('=', StringComparison.Ordinal);
        if (eq >= 0)
        {
            var key = name[..eq];
            if (key is not ("General_Category" or "gc"))
            {
                throw new FormatException($"Unicode property '{name}' is not supported (only general categories are).");
            }

            name = name[(eq + 1)..];
        }

        if (!GeneralCategories.TryGetValue(name, out var dotnetName))
        {
            throw new FormatException($"Unicode property '{name}' is not supported (only general categories are).");
        }

        category = dotnetName;
        return close + 1;
    }

    /// <summary>Translates a character class starting at '['; returns the index after its ']'.</summary>
    private static int TranslateClass(string pattern, int start, StringBuilder output)
    {
        var i = start + 1;
        var negated = i < pattern.Length && pattern[i] == '^';
        if (negated)
        {
            i++;
        }

        var ranges = new List<(int Lo, int Hi)>();
        var categories = new StringBuilder(); // \p{..} / \P{..} items, kept as .NET syntax
        var anyAstral = false; // an item (\S, \P{..}) that also stands for every astral code point
        while (true)
        {
            if (i >= pattern.Length)
            {
                throw new FormatException($"Unterminated character class at position {start}.");
            }

            if (pattern[i] == ']')
            {
                i++;
                break;
            }

            i = ReadClassAtom(pattern, i, out var atom, out var set, out var category, out var setHasAstral);
            if (set is not null || category is not null)
            {
                if (set is not null)
                {
                    ranges.AddRange(set);
                }
                else
                {
                    categories.Append(category);
                }

                anyAstral |= setHasAstral;
                if (i < pattern.Length - 1 && pattern[i] == '-' && pattern[i + 1] != ']')
                {
                    throw new FormatException($"A class escape cannot bound a range (position {i}).");
                }

                continue;
            }

            if (i < pattern.Length - 1 && pattern[i] == '-' && pattern[i + 1] != ']')
            {
                i = ReadClassAtom(pattern, i + 1, out var upper, out var upperSet, out var upperCategory, out _);
                if (upperSet is not null || upperCategory is not null)
                {
                    throw new FormatException($"A class escape cannot bound a range (position {i}).");
                }

                if (upper < atom)
                {
                    throw new FormatException($"Range out of order in character class at position {start}.");
                }

                ranges.Add((atom, upper));
            }
            else
            {
                ranges.Add((atom, atom));
            }
        }

        var bmp = new StringBuilder();
        var astral = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in ranges)
        {
            if (lo <= 0xFFFF)
            {
                AppendRange(bmp, lo, Math.Min(hi, 0xFFFF));
            }

            if (hi > 0xFFFF)
            {
                astral.Add((Math.Max(lo, 0x10000), hi));
            }
        }

        if (anyAstral)
        {
            astral.Add((0x10000, 0x10FFFF));
        }

        bmp.Append(categories);
        var astralAlternatives = string.Join('|', astral.Select(r => AstralRange(r.Lo, r.Hi)));

        if (!negated)
        {
            var alternatives = new List<string>();
            if (bmp.Length > 0)
            {
                alternatives.Add("[" + bmp + "]");
            }

            if (astralAlternatives.Length > 0)
            {
                alternatives.Add(astralAlternatives);
            }

            output.Append(alternatives.Count switch
            {
                0 => "(?!)", // [] matches nothing
                1 when astralAlternatives.Length == 0 => alternatives[0],
                _ => "(?:" + string.Join('|', alternatives) + ")",
            });
        }
        else
        {
            // Any code point not in the class: a surrogate pair not among the astral members, or a BMP character.
            output.Append("(?:");
            if (astralAlternatives.Length > 0)
            {
                output.Append("(?!").Append(astralAlternatives).Append(')');
            }

            output.Append(SurrogatePair).Append("|[^").Append(bmp).Append(@"\uD800-\uDFFF])");
        }

        return i;
    }

    /// <summary>
    /// Reads one class item: a single code point (<paramref name="codePoint"/>), a class escape as ranges
    /// (<paramref name="set"/>), or a \p escape (<paramref name="category"/>).
    /// </summary>
    private static int ReadClassAtom(string pattern, int i, out int codePoint, out List<(int Lo, int Hi)>? set, out string? category, out bool setHasAstral)
    {
        codePoint = -1;
        set = null;
        category = null;
        setHasAstral = false;
        var c = pattern[i];
        if (c != '\\')
        {
            if (char.IsHighSurrogate(c) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, pattern[i + 1]);
                return i + 2;
            }

            codePoint = c;
            return i + 1;
        }

        if (i + 1 >= pattern.Length)
        {
            throw new FormatException("The pattern ends with a lone '\\'.");
        }

        switch (pattern[i + 1])
        {
            case 'd':
                set = [.. Digit];
                return i + 2;
            case 'w':
                set = [.. Word];
                return i + 2;
            case 's':
                set = [.. Space];
                return i + 2;
            case 'D':
                set = Complement(Digit);
                setHasAstral = true;
                return i + 2;
            case 'W':
                set = Complement(Word);
                setHasAstral = true;
                return i + 2;
            case 'S':
                set = Complement(Space);
                setHasAstral = true;
                return i + 2;
            case 'p':
            case 'P':
                {
                    var next = ReadProperty(pattern, i, out var name);
                    category = "\\" + pattern[i + 1] + "{" + name + "}";
                    setHasAstral = pattern[i + 1] == 'P';
                    return next;
                }

            default:
                return ReadCharacterEscape(pattern, i, inClass: true, out codePoint);
        }
    }

    /// <summary>The BMP code points outside <paramref name="set"/>, surrogates excluded.</summary>
    private static List<(int Lo, int Hi)> Complement((int Lo, int Hi)[] set)
    {
        var result = new List<(int Lo, int Hi)>();
        var next = 0;
        foreach (var (lo, hi) in set.OrderBy(r => r.Lo))
        {
            if (lo > next)
            {
                result.Add((next, lo - 1));
            }

            next = Math.Max(next, hi + 1);
        }

        if (next <= 0xFFFF)
        {
            result.Add((next, 0xFFFF));
        }

        // Remove the surrogate block: astral characters are matched as pairs.
        var withoutSurrogates = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in result)
        {
            if (lo < 0xD800)
            {
                withoutSurrogates.Add((lo, Math.Min(hi, 0xD7FF)));
            }

            if (hi > 0xDFFF)
            {
                withoutSurrogates.Add((Math.Max(lo, 0xE000), hi));
            }
        }

        return withoutSurrogates;
    }

    private static void AppendClass(StringBuilder output, (int Lo, int Hi)[] set, bool negated)
    {
        if (negated)
        {
            // A negated class escape also matches astral characters, as one code point.
            output.Append("(?:").Append(SurrogatePair).Append("|[^");
            foreach (var (lo, hi) in set)
            {
                AppendRange(output, lo, hi);
            }

            output.Append(@"\uD800-\uDFFF])");
            return;
        }

        output.Append('[');
        foreach (var (lo, hi) in set)
        {
            AppendRange(output, lo, hi);
        }

        output.Append(']');
    }

    private static void AppendRange(StringBuilder output, int lo, int hi)
    {
        AppendBmpEscape(output, lo);
        if (hi != lo)
        {
            output.Append('-');
            AppendBmpEscape(output, hi);
        }
    }

    private static void AppendBmpEscape(StringBuilder output, int codePoint) =>
        output.Append("\\u").Append(codePoint.ToString("X4", CultureInfo.InvariantCulture));

    /// <summary>Appends one literal code point as an atom (an astral one as a group of its surrogate pair).</summary>
    private static void AppendLiteral(StringBuilder output, int codePoint)
    {
        if (codePoint <= 0xFFFF)
        {
            AppendBmpEscape(output, codePoint);
            return;
        }

        var pair = char.ConvertFromUtf32(codePoint);
        output.Append("(?:");
        AppendBmpEscape(output, pair[0]);
        AppendBmpEscape(output, pair[1]);
        output.Append(')');
    }

    /// <summary>A .NET pattern for the astral code points lo..hi written as surrogate pairs.</summary>
    private static string AstralRange(int lo, int hi)
    {
        var a = char.ConvertFromUtf32(lo);
        var b = char.ConvertFromUtf32(hi);
        var builder = new StringBuilder();
        if (a[0] == b[0])
        {
            AppendBmpEscape(builder, a[0]);
            builder.Append('[');
            AppendRange(builder, a[1], b[1]);
            builder.Append(']');
            return builder.ToString();
        }

        // First high surrogate (partial), the full ones between, the last (partial).
        AppendBmpEscape(builder, a[0]);
        builder.Append('[');
        AppendRange(builder, a[1], 0xDFFF);
        builder.Append("]|");
        if (b[0] - a[0] > 1)
        {
            builder.Append('[');
            AppendRange(builder, a[0] + 1, b[0] - 1);
            builder.Append(@"][\uDC00-\uDFFF]|");
        }

        AppendBmpEscape(builder, b[0]);
        builder.Append('[');
        AppendRange(builder, 0xDC00, b[1]);
        builder.Append(']');
        return builder.ToString();
    }

    private static Dictionary<string, string> BuildGeneralCategories()
    {
        (string Short, string Long)[] names =
        [
            ("L", "Letter"), ("Lu", "Uppercase_Letter"), ("Ll", "Lowercase_Letter"), ("Lt", "Titlecase_Letter"),
            ("Lm", "Modifier_Letter"), ("Lo", "Other_Letter"), ("M", "Mark"), ("Mn", "Nonspacing_Mark"),
            ("Mc", "Spacing_Mark"), ("Me", "Enclosing_Mark"), ("N", "Number"), ("Nd", "Decimal_Number"),
            ("Nl", "Letter_Number"), ("No", "Other_Number"), ("P", "Punctuation"), ("Pc", "Connector_Punctuation"),
            ("Pd", "Dash_Punctuation"), ("Ps", "Open_Punctuation"), ("Pe", "Close_Punctuation"),
            ("Pi", "Initial_Punctuation"), ("Pf", "Final_Punctuation"), ("Po", "Other_Punctuation"), ("S", "Symbol"),
            ("Sm", "Math_Symbol"), ("Sc", "Currency_Symbol"), ("Sk", "Modifier_Symbol"), ("So", "Other_Symbol"),
            ("Z", "Separator"), ("Zs", "Space_Separator"), ("Zl", "Line_Separator"), ("Zp", "Paragraph_Separator"),
            ("C", "Other"), ("Cc", "Control"), ("Cf", "Format"), ("Cs", "Surrogate"), ("Co", "Private_Use"),
            ("Cn", "Unassigned"),
        ];
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (shortName, longName) in names)
        {
            map[shortName] = shortName;
            map[longName] = shortName;
        }

        map["digit"] = "Nd";
        map["punct"] = "P";
        map["cntrl"] = "Cc";
        map["Combining_Mark"] = "M";
        return map;
    }
}
