namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>not</c>: the subschema must fail.</summary>
internal sealed class NotKeyword : Keyword
{
    private readonly SchemaNode _schema;

    public NotKeyword(KeywordInfo info, SchemaNode schema)
        : base(info)
    {
        _schema = schema;
    }

    public override IEnumerable<SchemaNode> InPlaceSubschemas => [_schema];

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (!state.IsValid(_schema, instance))
        {
            return true;
        }

        state.Report(Info, "value must not be valid against the schema in 'not'");
        return false;
    }
}
