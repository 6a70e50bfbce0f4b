using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>minLength</c> / <c>maxLength</c>, counted in Unicode code points (a surrogate pair is one).</summary>
internal sealed class LengthKeyword : Keyword
{
    private readonly long _bound;
    private readonly bool _isMinimum;
    private readonly string _message;

    public LengthKeyword(KeywordInfo info, long bound, bool isMinimum)
        : base(info)
    {
        _bound = bound;
        _isMinimum = isMinimum;
        _message = isMinimum ? $"string is shorter than {bound} characters" : $"string is longer than {bound} characters";
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

        // A string of n UTF-16 units has between ceil(n/2) and n code points: count them only when that matters.
        var units = chars.Length;
        if (_isMinimum)
        {
            if (units < _bound || ((units + 1) / 2 < _bound && JsonStrings.CodePointLength(chars) < _bound))
            {
                state.Report(Info, _message);
                return false;
            }
        }
        else if (units > _bound && JsonStrings.CodePointLength(chars) > _bound)
        {
            state.Report(Info, _message);
            return false;
        }

        return true;
    }
}
