namespace AgentService.Protocol.Schema.Keywords;

/// <summary>The boolean schema <c>false</c>: nothing is valid.</summary>
internal sealed class FalseKeyword : Keyword
{
    public FalseKeyword(string schemaLocation)
        : base(KeywordInfo.ForBooleanSchema(schemaLocation))
    {
    }

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        state.Report(Info, "no value is allowed here (false schema)");
        return false;
    }
}
