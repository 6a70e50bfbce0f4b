using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>type</c>: one name or a list; "integer" accepts any number with a zero fractional part (1.0, 1e3).</summary>
internal sealed class TypeKeyword : Keyword
{
    private readonly JsonTypes _types;
    private readonly string _expected;

    public TypeKeyword(KeywordInfo info, JsonTypes types, string expected)
        : base(info)
    {
        _types = types;
        _expected = expected;
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        var actual = instance.Kind switch
        {
            JsonValueKind.Object => JsonTypes.Object,
            JsonValueKind.Array => JsonTypes.Array,
            JsonValueKind.String => JsonTypes.String,
            JsonValueKind.True or JsonValueKind.False => JsonTypes.Boolean,
            JsonValueKind.Null => JsonTypes.Null,
            JsonValueKind.Number => JsonTypes.Number,
            _ => JsonTypes.None,
        };

        if ((_types & actual) != 0)
        {
            return true;
        }

        if (actual == JsonTypes.Number && (_types & JsonTypes.Integer) != 0 && JsonNumber.IsIntegerElement(instance.Element))
        {
            return true;
        }

        if (state.Collecting)
        {
            state.Report(Info, $"expected {_expected}, got {Describe(instance)}");
        }

        return false;
    }

    private static string Describe(in JsonInstance instance) => instance.Kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Number => JsonNumber.IsIntegerElement(instance.Element) ? "integer" : "number",
        _ => "nothing",
    };
}
