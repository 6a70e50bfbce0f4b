using System.Text.Json;
using System.Text.RegularExpressions;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>pattern</c>: an ECMA-262 regular expression, searched anywhere in the string (not anchored).</summary>
internal sealed class PatternKeyword : Keyword
{
    private readonly Regex _regex;
    private readonly string _pattern;
    private readonly string _message;

    public PatternKeyword(KeywordInfo info, string pattern, Regex regex)
        : base(info)
    {
        _pattern = pattern;
        _regex = regex;
        _message = $"string does not match the pattern {pattern}";
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.String)
        {
            return true;
        }

        Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
        if (!instance.TryGetChars(buffer, out var chars))
        {
            state.Report(Info, "string is not valid Unicode (unpaired surrogate)");
            return false;
        }

        bool matched;
        try
        {
            matched = _regex.IsMatch(chars);
        }
        catch (RegexMatchTimeoutException)
        {
            if (state.Collecting)
            {
                state.Report(Info, $"matching the pattern {_pattern} took too long");
            }

            return false;
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
