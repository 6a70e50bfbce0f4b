using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>
/// <c>pattern</c>: an ECMA-262 regular expression, searched anywhere in the string (not anchored). Anchored patterns
/// of ASCII items (ids, names) run on <see cref="SimplePattern"/>, on the string's UTF-8 bytes when it has no escapes;
/// for the others, the last string the regex accepted is remembered.
/// </summary>
internal sealed class PatternKeyword : Keyword
{
    private const int MaxRemembered = 256;

    private readonly Regex _regex;
    private readonly SimplePattern? _simple;

    // The last short unescaped string the regex accepted: a stream of frames repeats the same run ids, sources and
    // types, so a byte comparison settles most of them. Replaced whole (atomically); a match stays a match.
    private byte[]? _lastMatch;
    private readonly string _pattern;
    private readonly string _message;

    public PatternKeyword(KeywordInfo info, string pattern, Regex regex)
        : base(info)
    {
        _pattern = pattern;
        _regex = regex;
        _simple = SimplePattern.TryCreate(pattern);
        _message = $"string does not match the pattern {pattern}";
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.String)
        {
            return true;
        }

        bool matched;
        var unescaped = instance.TryGetUnescapedUtf8(out var utf8);
        if (_simple is not null && unescaped)
        {
            matched = _simple.IsMatch(utf8);
        }
        else if (unescaped && _lastMatch is { } last && utf8.SequenceEqual(last))
        {
            matched = true;
        }
        else
        {
            Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
            if (!instance.TryGetChars(buffer, out var chars))
            {
                state.Report(Info, "string is not valid Unicode (unpaired surrogate)");
                return false;
            }

            try
            {
                matched = _simple?.IsMatch(chars) ?? _regex.IsMatch(chars);
                if (matched && _simple is null && unescaped && utf8.Length <= MaxRemembered)
                {
                    _lastMatch = utf8.ToArray();
                }
            }
            catch (RegexMatchTimeoutException)
            {
                if (state.Collecting)
                {
                    state.Report(Info, $"matching the pattern {_pattern} took too long");
                }

                return false;
            }
        }

        if (matched)
        {
            return true;
        }

        if (instance.IsPropertyName && state.Collecting)
        {
            state.Report(Info, $"property name '{JsonStrings.NameOf(instance.Property)}' does not match the pattern {_pattern}");
        }
        else
        {
            state.Report(Info, _message);
        }

        return false;
    }
}
