using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>uniqueItems: true</c>: no two items are equal (JSON equality). Hash-grouped, so linear on average.</summary>
internal sealed class UniqueItemsKeyword : Keyword
{
    private const int SmallArray = 64;

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

        var count = instance.Element.GetArrayLength();
        if (count <= SmallArray)
        {
            // Few items: compare hashes pairwise, without allocating.
            Span<int> hashes = stackalloc int[count];
            var index = 0;
            foreach (var item in instance.Element.EnumerateArray())
            {
                hashes[index] = JsonEquality.GetHashCode(item);
                for (var earlier = 0; earlier < index; earlier++)
                {
                    if (hashes[earlier] == hashes[index] && JsonEquality.DeepEquals(instance.Element[earlier], item))
                    {
                        return Fail(state, earlier, index);
                    }
                }

                index++;
            }

            return true;
        }

        var items = new List<JsonElement>(count);
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
                    return Fail(state, earlier, index);
                }
            }

            bucket.Add(index);
        }

        return true;
    }

    private bool Fail(ValidationState state, int earlier, int index)
    {
        if (state.Collecting)
        {
            state.Report(Info, $"items {earlier} and {index} are equal (items must be unique)");
        }

        return false;
    }
}
