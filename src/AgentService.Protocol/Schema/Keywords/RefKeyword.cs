namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>$ref</c>: the referenced schema applies to the instance, alongside the other keywords.</summary>
internal sealed class RefKeyword : Keyword
{
    private readonly SchemaNode _target;

    public RefKeyword(KeywordInfo info, SchemaNode target)
        : base(info)
    {
        _target = target;
    }

    public override IEnumerable<SchemaNode> InPlaceSubschemas => [_target];

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        state.PushKeyword(Info.Segment);
        var valid = _target.Evaluate(instance, state);
        state.PopKeyword();
        return valid;
    }
}
