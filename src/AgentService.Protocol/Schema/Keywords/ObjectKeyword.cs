using System.Text;
using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>
/// <c>properties</c>, <c>required</c>, <c>additionalProperties</c> and <c>propertyNames</c> of one schema, evaluated
/// together so that an object's members are looked at once. Each failure is reported under its own keyword.
/// </summary>
internal sealed class ObjectKeyword : Keyword
{
    private readonly PropertySchema[] _properties;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _propertyIndex;
    private readonly RequiredName[] _required;
    private readonly KeywordInfo? _requiredInfo;
    private readonly SchemaNode? _additional;
    private readonly bool _additionalIsFalse;
    private readonly KeywordInfo? _additionalInfo;
    private readonly SchemaNode? _propertyNames;
    private readonly KeywordInfo? _propertyNamesInfo;

    public ObjectKeyword(
        KeywordInfo propertiesInfo,
        IReadOnlyList<(string Name, SchemaNode Schema)> properties,
        KeywordInfo? requiredInfo,
        IReadOnlyList<string> required,
        KeywordInfo? additionalInfo,
        SchemaNode? additional,
        bool additionalIsFalse,
        KeywordInfo? propertyNamesInfo,
        SchemaNode? propertyNames)
        : base(propertiesInfo)
    {
        _properties = [.. properties.Select(p => new PropertySchema(p.Name, Encoding.UTF8.GetBytes(p.Name), p.Schema, propertiesInfo.ChildSegment(p.Name)))];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _properties.Length; i++)
        {
            index[_properties[i].Name] = i;
        }

        _propertyIndex = index.GetAlternateLookup<ReadOnlySpan<char>>();
        _required = [.. required.Distinct(StringComparer.Ordinal).Select(r => new RequiredName(r, Encoding.UTF8.GetBytes(r), index.TryGetValue(r, out var p) ? p : -1))];
        _requiredInfo = requiredInfo;
        _additionalInfo = additionalInfo;
        _additional = additional;
        _additionalIsFalse = additionalIsFalse;
        _propertyNamesInfo = propertyNamesInfo;
        _propertyNames = propertyNames;
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.Object)
        {
            return true;
        }

        var element = instance.Element;
        Span<bool> present = _properties.Length <= 128 ? stackalloc bool[_properties.Length] : new bool[_properties.Length];
        var valid = _additional is null && _propertyNames is null
            ? EvaluateByLookup(element, state, present)
            : EvaluateByEnumeration(element, state, present);
        if (!valid && !state.Collecting)
        {
            return false;
        }

        foreach (var required in _required)
        {
            var found = required.PropertyIndex >= 0 ? present[required.PropertyIndex] : element.TryGetProperty(required.Utf8Name, out _);
            if (!found)
            {
                valid = false;
                if (!state.Collecting)
                {
                    return false;
                }

                state.Report(_requiredInfo!, $"required property '{required.Name}' is missing");
            }
        }

        return valid;
    }

    /// <summary>Only named properties apply: look each one up.</summary>
    private bool EvaluateByLookup(JsonElement element, ValidationState state, Span<bool> present)
    {
        var valid = true;
        for (var i = 0; i < _properties.Length; i++)
        {
            var property = _properties[i];
            if (!element.TryGetProperty(property.Utf8Name, out var value))
            {
                continue;
            }

            present[i] = true;
            state.PushInstance(property.Name);
            state.PushKeyword(property.Segment);
            var memberValid = property.Schema.Evaluate(new JsonInstance(value), state);
            state.PopKeyword();
            state.PopInstance();
            if (!memberValid)
            {
                valid = false;
                if (!state.Collecting)
                {
                    return false;
                }
            }
        }

        return valid;
    }

    /// <summary>Every member matters (additionalProperties or propertyNames): walk the members once.</summary>
    private bool EvaluateByEnumeration(JsonElement element, ValidationState state, Span<bool> present)
    {
        var valid = true;
        Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
        foreach (var member in element.EnumerateObject())
        {
            var memberValid = true;
            if (_propertyNames is not null)
            {
                state.PushInstance(member);
                state.PushKeyword(_propertyNamesInfo!.Segment);
                memberValid = _propertyNames.Evaluate(new JsonInstance(member), state);
                state.PopKeyword();
                state.PopInstance();
            }

            if (memberValid || state.Collecting)
            {
                var index = JsonStrings.TryGetChars(member, buffer, out var name) && _propertyIndex.TryGetValue(name, out var i) ? i : -1;
                if (index >= 0)
                {
                    present[index] = true;
                    memberValid &= EvaluateMember(_properties[index].Schema, _properties[index].Segment, member, member.Value, state);
                }
                else if (_additionalIsFalse)
                {
                    memberValid = false;
                    if (state.Collecting)
                    {
                        state.PushInstance(member);
                        state.Report(_additionalInfo!, $"property '{JsonStrings.NameOf(member)}' is not allowed");
                        state.PopInstance();
                    }
                }
                else if (_additional is not null)
                {
                    memberValid &= EvaluateMember(_additional, _additionalInfo!.Segment, member, member.Value, state);
                }
            }

            if (!memberValid)
            {
                valid = false;
                if (!state.Collecting)
                {
                    return false;
                }
            }
        }

        return valid;
    }

    private static bool EvaluateMember(SchemaNode schema, string keywordSegment, JsonProperty member, JsonElement value, ValidationState state)
    {
        state.PushInstance(member);
        state.PushKeyword(keywordSegment);
        var valid = schema.Evaluate(new JsonInstance(value), state);
        state.PopKeyword();
        state.PopInstance();
        return valid;
    }

    private sealed record PropertySchema(string Name, byte[] Utf8Name, SchemaNode Schema, string Segment);

    private sealed record RequiredName(string Name, byte[] Utf8Name, int PropertyIndex);
}
