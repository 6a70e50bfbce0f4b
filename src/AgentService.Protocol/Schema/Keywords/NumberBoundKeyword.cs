using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>minimum</c> / <c>maximum</c> (inclusive), compared exactly on the numbers' decimal text.</summary>
internal sealed class NumberBoundKeyword : Keyword
{
    private readonly JsonNumber _bound;
    private readonly long? _smallBound;
    private readonly bool _isMinimum;
    private readonly string _message;

    public NumberBoundKeyword(KeywordInfo info, JsonNumber bound, bool isMinimum)
        : base(info)
    {
        _bound = bound;
        _isMinimum = isMinimum;
        _smallBound = bound.IsInteger && long.TryParse(bound.ToString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var small) ? small : null;
        _message = isMinimum ? $"value is less than the minimum {bound}" : $"value is greater than the maximum {bound}";
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.Number)
        {
            return true;
        }

        int comparison;
        if (_smallBound is { } small && instance.Element.TryGetInt64(out var value))
        {
            comparison = value.CompareTo(small);
        }
        else
        {
            comparison = JsonNumber.From(instance.Element).CompareTo(_bound);
        }

        if (_isMinimum ? comparison >= 0 : comparison <= 0)
        {
            return true;
        }

        state.Report(Info, _message);
        return false;
    }
}
