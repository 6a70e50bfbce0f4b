using System.Text.Json;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>minItems</c>.</summary>
internal sealed class MinItemsKeyword : Keyword
{
    private readonly long _minimum;

    public MinItemsKeyword(KeywordInfo info, long minimum)
        : base(info)
    {
        _minimum = minimum;
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.Array || instance.Element.GetArrayLength() >= _minimum)
        {
            return true;
        }

        state.Report(Info, $"array has fewer than {_minimum} items");
        return false;
    }
}
