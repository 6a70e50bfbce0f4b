using System.Text.Json;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>items</c> (2020-12 form, one schema): every item is valid against it.</summary>
internal sealed class ItemsKeyword : Keyword
{
    private readonly SchemaNode _items;

    public ItemsKeyword(KeywordInfo info, SchemaNode items)
        : base(info)
    {
        _items = items;
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.Array)
        {
            return true;
        }

        var valid = true;
        var index = 0;
        state.PushKeyword(Info.Segment);
        foreach (var item in instance.Element.EnumerateArray())
        {
            state.PushInstance(index++);
            var itemValid = _items.Evaluate(new JsonInstance(item), state);
            state.PopInstance();
            if (!itemValid)
            {
                valid = false;
                if (!state.Collecting)
                {
                    break;
                }
            }
        }

        state.PopKeyword();
        return valid;
    }
}
