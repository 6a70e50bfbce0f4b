namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>if</c> with its <c>then</c> and <c>else</c>: the branch chosen by <c>if</c> must hold.</summary>
internal sealed class IfKeyword : Keyword
{
    private readonly SchemaNode _if;
    private readonly SchemaNode? _then;
    private readonly SchemaNode? _else;

    public IfKeyword(KeywordInfo info, SchemaNode condition, SchemaNode? then, SchemaNode? otherwise)
        : base(info)
    {
        _if = condition;
        _then = then;
        _else = otherwise;
    }

    public override IEnumerable<SchemaNode> InPlaceSubschemas => new[] { _if, _then, _else }.OfType<SchemaNode>();

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        var conditionHolds = state.IsValid(_if, instance);
        var branch = conditionHolds ? _then : _else;
        if (branch is null)
        {
            return true;
        }

        state.PushKeyword(conditionHolds ? "/then" : "/else");
        var valid = branch.Evaluate(instance, state);
        state.PopKeyword();
        return valid;
    }
}
