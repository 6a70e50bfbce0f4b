using System.Text.Json;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>minItems</c>.</summary>
internal sealed class MinItemsKeyword : Keyword
{
    private readonly long _minimum;
    private readonly string _message;

    public MinItemsKeyword(KeywordInfo info, long minimum)
        : base(info)
    {
        _minimum = minimum;
        _message = $"array has fewer than {minimum} items";
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.Array || instance.Element.GetArrayLength() >= _minimum)
        {
            return true;
        }

        state.Report(Info, _message);
        return false;
    }
}
