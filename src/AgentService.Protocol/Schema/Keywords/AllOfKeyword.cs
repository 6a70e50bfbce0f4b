namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>allOf</c>: valid against every subschema; their errors are reported as they are.</summary>
internal sealed class AllOfKeyword : Keyword
{
    private readonly SchemaNode[] _schemas;
    private readonly string[] _segments;

    public AllOfKeyword(KeywordInfo info, SchemaNode[] schemas)
        : base(info)
    {
        _schemas = schemas;
        _segments = [.. schemas.Select((_, i) => info.ChildSegment(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
    }

    public override IEnumerable<SchemaNode> InPlaceSubschemas => _schemas;

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        var valid = true;
        for (var i = 0; i < _schemas.Length; i++)
        {
            state.PushKeyword(_segments[i]);
            var ok = _schemas[i].Evaluate(instance, state);
            state.PopKeyword();
            if (!ok)
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
}
