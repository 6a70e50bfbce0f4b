using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>
/// An <c>allOf</c> in which several members are <c>{"if": {"properties": {"P": {"const": "v"}}, "required": ["P"]},
/// "then": S}</c> for one property P: the usual way to give each value of a discriminator (an event's <c>type</c>)
/// its own schema. As a plain <c>allOf</c> that is one lookup of P and one comparison per member for every instance
/// (thirty for an output event); this keyword looks P up once and evaluates only the branches of its value, and every
/// other member as usual, all in the members' order. Outcome, errors and their locations are those of the plain
/// <c>allOf</c>: an object without P takes no branch, an object whose P is "v" takes the branches of "v", and anything
/// but an object satisfies every condition (<c>properties</c> and <c>required</c> ignore it), so it takes them all.
/// </summary>
internal sealed class DiscriminatorAllOfKeyword : Keyword
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal) { "$comment", "description", "title" };

    private readonly byte[] _utf8Property;
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _branchesByValue;

    // Per member: the node to evaluate (the member itself, or its 'then' for a branch); and the plain members.
    private readonly SchemaNode[] _nodes;
    private readonly int[] _plain;
    private readonly string[] _segments;

    private DiscriminatorAllOfKeyword(KeywordInfo info, string property, IReadOnlyList<(SchemaNode Node, string? Value)> members)
        : base(info)
    {
        _utf8Property = Encoding.UTF8.GetBytes(property);
        _nodes = [.. members.Select(m => m.Node)];
        _plain = [.. Enumerable.Range(0, members.Count).Where(i => members[i].Value is null)];
        _segments = [.. members.Select((m, i) => info.ChildSegment(i.ToString(CultureInfo.InvariantCulture)) + (m.Value is null ? string.Empty : "/then"))];
        _branchesByValue = members
            .Select((m, i) => (m.Value, i))
            .Where(m => m.Value is not null)
            .GroupBy(m => m.Value!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(m => m.i).ToArray(), StringComparer.Ordinal)
            .GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public override IEnumerable<SchemaNode> InPlaceSubschemas => _nodes;

    /// <summary>
    /// The keyword for an <c>allOf</c> with at least two such members on one property, or null (it compiles as a
    /// plain <c>allOf</c>). <paramref name="member"/> compiles a member at its place; <paramref name="then"/> a
    /// member's <c>then</c>.
    /// </summary>
    public static DiscriminatorAllOfKeyword? TryCreate(
        KeywordInfo info, JsonElement allOf, Func<JsonElement, int, SchemaNode> member, Func<JsonElement, int, SchemaNode> then)
    {
        var shapes = allOf.EnumerateArray().Select(m => TryReadBranch(m, out var name, out var value, out var branch) ? (name, value, branch) : default).ToList();
        var property = shapes.Where(s => s.name is not null).GroupBy(s => s.name).OrderByDescending(g => g.Count()).FirstOrDefault();
        if (property is null || property.Count() < 2)
        {
            return null;
        }

        var members = allOf.EnumerateArray()
            .Select((element, i) => shapes[i].name == property.Key ? (then(shapes[i].branch, i), (string?)shapes[i].value) : (member(element, i), null))
            .ToList();
        return new DiscriminatorAllOfKeyword(info, property.Key!, members);
    }

    /// <summary>Reads a member <c>{"if": {...one const condition...}, "then": S}</c> (annotations aside, nothing else).</summary>
    private static bool TryReadBranch(JsonElement member, out string? property, out string? value, out JsonElement then)
    {
        property = value = null;
        then = default;
        return member.ValueKind == JsonValueKind.Object
            && member.TryGetProperty("if", out var condition)
            && member.TryGetProperty("then", out then)
            && !member.EnumerateObject().Any(m => m.Name is not ("if" or "then") && !Annotations.Contains(m.Name))
            && TryReadCondition(condition, out property, out value);
    }

    /// <summary>Reads <c>{"properties": {"P": {"const": "v"}}, "required": ["P"]}</c>, with a const that is Unicode text.</summary>
    private static bool TryReadCondition(JsonElement condition, [NotNullWhen(true)] out string? property, [NotNullWhen(true)] out string? value)
    {
        property = value = null;
        if (condition.ValueKind != JsonValueKind.Object
            || !condition.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object
            || !condition.TryGetProperty("required", out var required) || required.ValueKind != JsonValueKind.Array
            || condition.EnumerateObject().Any(m => m.Name is not ("properties" or "required") && !Annotations.Contains(m.Name))
            || properties.EnumerateObject().Count() != 1 || required.GetArrayLength() != 1)
        {
            return false;
        }

        var only = properties.EnumerateObject().First();
        var requiredName = required[0];
        if (requiredName.ValueKind != JsonValueKind.String || requiredName.GetString() != only.Name
            || only.Value.ValueKind != JsonValueKind.Object || only.Value.EnumerateObject().Count() != 1
            || !only.Value.TryGetProperty("const", out var constant) || constant.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            value = constant.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An unpaired surrogate escape: leave such a schema to the plain allOf and its exact comparison.
            return false;
        }

        property = only.Name;
        return true;
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        var valid = true;
        if (instance.Kind != JsonValueKind.Object)
        {
            // Every condition holds: every member, in order.
            for (var i = 0; i < _nodes.Length; i++)
            {
                if (!EvaluateMember(i, instance, state, ref valid))
                {
                    return false;
                }
            }

            return valid;
        }

        int[] branches = [];
        if (instance.Element.TryGetProperty(_utf8Property, out var discriminator) && discriminator.ValueKind == JsonValueKind.String)
        {
            // A value that is none of the consts (or a string that is not Unicode text, which equals none) takes no branch.
            Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
            if (JsonStrings.TryGetChars(discriminator, buffer, out var chars) && _branchesByValue.TryGetValue(chars, out var found))
            {
                branches = found;
            }
        }

        // The plain members and the value's branches, merged in the members' order (both lists are ascending).
        var nextPlain = 0;
        var nextBranch = 0;
        while (nextPlain < _plain.Length || nextBranch < branches.Length)
        {
            var takePlain = nextBranch == branches.Length || (nextPlain < _plain.Length && _plain[nextPlain] < branches[nextBranch]);
            var i = takePlain ? _plain[nextPlain++] : branches[nextBranch++];
            if (!EvaluateMember(i, instance, state, ref valid))
            {
                return false;
            }
        }

        return valid;
    }

    /// <summary>Evaluates member <paramref name="i"/>; false when evaluation should stop (a failure in quiet mode).</summary>
    private bool EvaluateMember(int i, in JsonInstance instance, ValidationState state, ref bool valid)
    {
        state.PushKeyword(_segments[i]);
        var ok = _nodes[i].Evaluate(instance, state);
        state.PopKeyword();
        valid &= ok;
        return ok || state.Collecting;
    }
}
