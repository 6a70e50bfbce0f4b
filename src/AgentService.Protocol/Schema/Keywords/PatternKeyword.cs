using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>
/// <c>pattern</c>: an ECMA-262 regular expression, searched anywhere in the string (not anchored). Anchored patterns
/// of ASCII items (ids, names) run on <see cref="SimplePattern"/>, on the string's UTF-8 bytes when it has no escapes.
/// </summary>
internal sealed class PatternKeyword : Keyword
{
    private readonly Regex _regex;
    private readonly SimplePattern? _simple;
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
        if (_simple is not null && instance.TryGetUnescapedUtf8(out var utf8))
        {
            matched = _simple.IsMatch(utf8);
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
