using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>const</c>: the instance equals the value (JSON equality: 1 == 1.0, member order ignored).</summary>
internal sealed class ConstKeyword : Keyword
{
    private readonly JsonElement _value;
    private readonly string _message;

    public ConstKeyword(KeywordInfo info, JsonElement value)
        : base(info)
    {
        _value = value;
        _message = "value must be " + ValueText.Describe(value);
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (ValueText.Matches(instance, _value))
        {
            return true;
        }

        state.Report(Info, _message);
        return false;
    }
}
