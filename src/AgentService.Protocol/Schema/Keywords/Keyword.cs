namespace AgentService.Protocol.Schema.Keywords;

/// <summary>One compiled keyword (or group of keywords evaluated together) of a schema.</summary>
internal abstract class Keyword
{
    protected Keyword(KeywordInfo info)
    {
        Info = info;
    }

    public KeywordInfo Info { get; }

    /// <summary>
    /// Checks the instance. In quiet mode (<see cref="ValidationState.Collecting"/> false) it may stop at the first
    /// failure; when collecting, it reports every failure through <see cref="ValidationState.Report"/>.
    /// </summary>
    public abstract bool Evaluate(in JsonInstance instance, ValidationState state);

    /// <summary>Subschemas applied to the same instance (for detecting $ref loops that never descend).</summary>
    public virtual IEnumerable<SchemaNode> InPlaceSubschemas => [];
}
