using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>enum</c>: the instance equals one of the values. String values are looked up in a set.</summary>
internal sealed class EnumKeyword : Keyword
{
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _stringLookup;
    private readonly JsonElement[] _others;
    private readonly string _message;

    public EnumKeyword(KeywordInfo info, IReadOnlyList<JsonElement> values)
        : base(info)
    {
        var others = new List<JsonElement>();
        foreach (var value in values)
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                _strings.Add(value.GetString()!);
            }
            else
            {
                others.Add(value);
            }
        }

        _others = [.. others];
        _stringLookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        const int Shown = 8;
        var list = string.Join(", ", values.Take(Shown).Select(ValueText.Describe));
        _message = "value must be one of " + list + (values.Count > Shown ? $", ... ({values.Count} values)" : string.Empty);
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind == JsonValueKind.String)
        {
            Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
            if (_strings.Count > 0 && instance.TryGetChars(buffer, out var chars) && _stringLookup.Contains(chars))
            {
                return true;
            }
        }
        else
        {
            foreach (var value in _others)
            {
                if (JsonEquality.DeepEquals(instance.Element, value))
                {
                    return true;
                }
            }
        }

        state.Report(Info, _message);
        return false;
    }
}
