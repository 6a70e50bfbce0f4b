using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>uniqueItems: true</c>: no two items are equal (JSON equality). Hash-grouped, so linear on average.</summary>
internal sealed class UniqueItemsKeyword : Keyword
{
    public UniqueItemsKeyword(KeywordInfo info)
        : base(info)
    {
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.Array || instance.Element.GetArrayLength() < 2)
        {
            return true;
        }

        var items = new List<JsonElement>(instance.Element.GetArrayLength());
        var buckets = new Dictionary<int, List<int>>();
        foreach (var item in instance.Element.EnumerateArray())
        {
            var index = items.Count;
            items.Add(item);
            var hash = JsonEquality.GetHashCode(item);
            if (!buckets.TryGetValue(hash, out var bucket))
            {
                buckets[hash] = [index];
                continue;
            }

            foreach (var earlier in bucket)
            {
                if (JsonEquality.DeepEquals(items[earlier], item))
                {
                    state.Report(Info, $"items {earlier} and {index} are equal (items must be unique)");
                    return false;
                }
            }

            bucket.Add(index);
        }

        return true;
    }
}
