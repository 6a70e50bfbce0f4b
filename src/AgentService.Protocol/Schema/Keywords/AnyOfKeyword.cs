namespace AgentService.Protocol.Schema.Keywords;

/// <summary>
/// <c>anyOf</c> and <c>oneOf</c>. Branches are first tried quietly; only a failure is evaluated again to collect
/// each branch's errors, which become the causes of the one error reported here.
/// </summary>
internal sealed class AnyOfKeyword : Keyword
{
    private readonly SchemaNode[] _schemas;
    private readonly string[] _segments;
    private readonly bool _exactlyOne;

    public AnyOfKeyword(KeywordInfo info, SchemaNode[] schemas, bool exactlyOne)
        : base(info)
    {
        _schemas = schemas;
        _exactlyOne = exactlyOne;
        _segments = [.. schemas.Select((_, i) => info.ChildSegment(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
    }

    public override IEnumerable<SchemaNode> InPlaceSubschemas => _schemas;

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        var first = -1;
        for (var i = 0; i < _schemas.Length; i++)
        {
            if (!state.IsValid(_schemas[i], instance))
            {
                continue;
            }

            if (!_exactlyOne)
            {
                return true;
            }

            if (first >= 0)
            {
                if (state.Collecting)
                {
                    state.Report(Info, $"value is valid against more than one schema of oneOf (#{first} and #{i})");
                }

                return false;
            }

            first = i;
        }

        if (first >= 0)
        {
            return true;
        }

        if (state.Collecting)
        {
            var branches = new IReadOnlyList<SchemaValidationError>[_schemas.Length];
            for (var i = 0; i < _schemas.Length; i++)
            {
                state.PushKeyword(_segments[i]);
                branches[i] = state.CollectErrors(_schemas[i], instance);
                state.PopKeyword();
            }

            state.Report(Info, _exactlyOne ? "value is not valid against any schema of oneOf" : "value is not valid against any schema of anyOf", branches);
        }

        return false;
    }
}
